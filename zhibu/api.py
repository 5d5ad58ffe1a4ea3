from ninja import NinjaAPI

api = NinjaAPI(title="zhibu API", version="1.0.0", urls_namespace="api-1.0.0")
