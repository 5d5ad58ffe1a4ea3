"""Chinese speech for the demo's audio lessons, made on this machine from text the project wrote:
espeak-ng reads the text into a WAV file, lameenc encodes it as a small mono MP3 (couriers pay for
their own data). Each MP3 is kept under the data folder by the hash of its text and voice, so that
building the demo again does not speak the same text twice."""

import hashlib
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import lameenc
from django.conf import settings

VOICE = "cmn"
WORDS_PER_MINUTE = 170
BITRATE_KBPS = 32


class SpeechUnavailable(RuntimeError):
    pass


def _espeak() -> str | None:
    return shutil.which("espeak-ng")


def available() -> bool:
    return _espeak() is not None


def _cache_dir() -> Path:
    path = settings.DATA_DIR / "demo-speech"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _key(text: str) -> str:
    recipe = f"{VOICE}|{WORDS_PER_MINUTE}|{BITRATE_KBPS}|{text}"
    return hashlib.sha256(recipe.encode()).hexdigest()[:32]


def _speak_wav(text: str, target: Path) -> None:
    program = _espeak()
    if program is None:
        raise SpeechUnavailable("espeak-ng is not installed (Debian package espeak-ng)")
    subprocess.run(  # noqa: S603 - a fixed argument list; the text goes on stdin
        [program, "-v", VOICE, "-s", str(WORDS_PER_MINUTE), "-w", str(target), "--stdin"],
        input=text.encode(),
        check=True,
        capture_output=True,
        timeout=120,
    )


def _encode_mp3(wav_path: Path) -> bytes:
    with wave.open(str(wav_path), "rb") as source:
        if source.getsampwidth() != 2:
            raise SpeechUnavailable("espeak-ng wrote samples of an unexpected width")
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(BITRATE_KBPS)
        encoder.set_in_sample_rate(source.getframerate())
        encoder.set_channels(source.getnchannels())
        encoder.set_quality(7)
        frames = source.readframes(source.getnframes())
    return bytes(encoder.encode(frames) + encoder.flush())


def mp3(text: str) -> bytes:
    """The MP3 of `text` read aloud in Mandarin."""
    cached = _cache_dir() / f"{_key(text)}.mp3"
    if cached.exists():
        return cached.read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        wav_path = Path(folder) / "speech.wav"
        _speak_wav(text, wav_path)
        data = _encode_mp3(wav_path)
    partial = cached.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(cached)
    return data
