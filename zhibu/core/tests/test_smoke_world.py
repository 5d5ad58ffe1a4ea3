from zhibu.registry import queries


def test_world_scopes(world):
    secretary = world.users["secretary"]
    names = set(queries.members(secretary).values_list("name", flat=True))
    assert names == {"张晓明", "李娜"}
    assert set(queries.members(world.users["courier"]).values_list("name", flat=True)) == {"王强"}
    assert queries.members(world.users["admin"]).count() == 4
