"""`backend-bot serve` as an operator runs it: /healthz and /metrics on PORT, and SIGTERM ends it cleanly."""

import asyncio
import json
import os
import signal
import socket
import sys

import aiohttp

from discord_standin import DiscordStandIn


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url) as response:
        return response.status, await response.text()


async def until(check, timeout: float = 15.0):
    """Polls `check()` (a coroutine) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await check()
        if found or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.1)


async def test_health_metrics_and_sigterm_of_a_running_serve(tmp_path):
    server = await DiscordStandIn().start()
    port = free_port()
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": str(tmp_path / "bot.db"),
                   "PORT": str(port), "LOG_FORMAT": "json", **server.variables()}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=environment,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            async def healthy():
                try:
                    status, body = await get(session, base + "/healthz")
                except aiohttp.ClientError:
                    return None
                return status == 200 and json.loads(body)

            health = await until(healthy)
            assert health == {"ok": True, "entries": 27, "platforms": {"discord": "connected"}, "database": "ok"}
            checked = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "health", "--port", str(port),
                                                           stdout=asyncio.subprocess.PIPE)
            assert await checked.wait() == 0 and json.loads(await checked.stdout.read())["ok"] is True

            await server.callback_for(await server.ask("how do I scale a backend?"))
            _, metrics = await get(session, base + "/metrics")
            assert 'backend_bot_questions_total{outcome="answered",platform="discord"} 1.0' in metrics
            assert "backend_bot_knowledge_entries 27.0" in metrics

            await server.go_offline()

            async def unhealthy():
                status, body = await get(session, base + "/healthz")
                return status == 503 and json.loads(body)

            down = await until(unhealthy)
            assert down and down["platforms"] == {"discord": "disconnected"} and down["database"] == "ok"
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 15)
        errors = (await process.stderr.read()).decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await server.close()
    assert code == 0
    lines = [json.loads(line) for line in errors.splitlines()]
    assert all(set(line) >= {"time", "level", "logger", "event"} for line in lines)
    events = [line["event"] for line in lines]
    assert any(event.startswith("backend-bot started: discord, 27 knowledge entries, operator port") for event in events)
    assert events[-1] == "stopped"
    assert "Traceback" not in errors and server.variables()["DISCORD_TOKEN"] not in errors


async def test_a_busy_port_is_one_clear_line(tmp_path):
    server = await DiscordStandIn().start()
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "BOT_DATABASE": str(tmp_path / "bot.db"),
                       "PORT": str(port), **server.variables()}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", cwd=tmp_path, env=environment,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            _, errors = await asyncio.wait_for(process.communicate(), 30)
        finally:
            await server.close()
    assert process.returncode == 2
    assert errors.decode().strip().splitlines() == [
        f"error: cannot listen on port {port} (Address already in use): set PORT to a free port"]
