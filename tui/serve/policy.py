"""What a served session may run without a terminal, and the sentences refusals say.

Commands are the read-only CLI commands, run as the key's user, and the ``files``
commands, which reach only the user's own folder on the server (``core.served.user_path``);
nothing else writes files on the server (``-o`` may only be ``-``, the client's stdout)."""

from __future__ import annotations

import re
import shlex

ALLOWED = {
    ("report", "list"),
    ("report", "show"),
    ("report", "run"),
    ("funnel", "due"),
    ("users", "list"),
    ("users", "keys"),
    ("files", "list"),
    ("files", "get"),
    ("files", "put"),
}
LANG_VALUE = re.compile(r"^[A-Za-z0-9_.@-]{1,40}$")


def allowed_command(command: str) -> list[str] | None:
    """The CLI words for an allowed command line, or None."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if tuple(words[:2]) not in ALLOWED or any(w.startswith("--database") for w in words):
        return None
    for i, word in enumerate(words):
        if word in ("-o", "--output"):
            if i + 1 >= len(words) or words[i + 1] != "-":
                return None
        elif (word.startswith("--output=") or word.startswith("-o")) and word not in (
            "--output=-",
            "-o-",
        ):
            return None
    if words[:2] == ["report", "run"] and _has_format(words) and not _has_output(words):
        words += ["-o", "-"]
    return words


def _has_format(words: list[str]) -> bool:
    return any(w in ("-f", "--format") or w.startswith(("--format=", "-f")) for w in words)


def _has_output(words: list[str]) -> bool:
    return any(w in ("-o", "--output", "--output=-", "-o-") for w in words)


def client_env(env: dict[str, str], term: str | None) -> dict[str, str]:
    """What of the client's environment a session gets: TERM and the language."""
    chosen: dict[str, str] = {}
    if term and LANG_VALUE.match(term):
        chosen["TERM"] = term
    for name in ("LANG", "LC_ALL", "SALESDESK_LANG"):
        value = env.get(name, "")
        if value and LANG_VALUE.match(value):
            chosen[name] = value
    return chosen


SENTENCES = {
    "unknown": (
        "salesdesk: {what} is not allowed here. Commands that work: report list, "
        "report show ID, report run ID [-p NAME=VALUE] [-f csv], funnel due, "
        "users list, users keys LOGIN. Without a command you get the app.",
        "salesdesk：这里不允许{what}。可用的命令：report list、report show ID、"
        "report run ID [-p 名称=值] [-f csv]、funnel due、users list、"
        "users keys 登录名、files list、files get 文件名、files put 文件名。"
        "不带命令连接即打开应用。",
    ),
    "no_pty": (
        "salesdesk: the app needs a terminal; connect with 'ssh -t', or give a "
        "command such as 'report list'.",
        "salesdesk：应用需要终端；请用 'ssh -t' 连接，或给出命令，例如 'report list'。",
    ),
    "total": (
        "salesdesk: the server is full ({limit} sessions are open); try again in a while.",
        "salesdesk：服务器已满（已有 {limit} 个会话）；请稍后再试。",
    ),
    "per_user": (
        "salesdesk: you already have {limit} sessions open, the most allowed; "
        "close one and try again.",
        "salesdesk：您已打开 {limit} 个会话，已达上限；请关闭一个后再试。",
    ),
    "forward": (
        "salesdesk: {what} is not allowed here; the session goes on without it.",
        "salesdesk：这里不允许{what_zh}；会话将在没有它的情况下继续。",
    ),
    "unavailable": (
        "salesdesk: the server could not start your session; try again in a moment.",
        "salesdesk：服务器无法启动您的会话；请稍后再试。",
    ),
    "ended": (
        "salesdesk: your session was ended ({reason}).",
        "salesdesk：您的会话已结束（{reason}）。",
    ),
    "idle": (
        "salesdesk: your session was closed after {duration} without a key press.",
        "salesdesk：{duration_zh}无按键，会话已关闭。",
    ),
    "stopping": (
        "salesdesk: the server is stopping; connect again in a moment.",
        "salesdesk：服务器正在停止；请稍后重新连接。",
    ),
    "crashed": (
        "salesdesk: the app stopped unexpectedly; your saved work is kept. Connect "
        "again to continue.",
        "salesdesk：应用意外停止；已保存的内容不会丢失。请重新连接继续。",
    ),
}


FORWARDS = {
    "agent forwarding": "代理转发",
    "X11 forwarding": "X11 转发",
    "port forwarding": "端口转发",
    "remote port forwarding": "远程端口转发",
    "socket forwarding": "套接字转发",
    "remote socket forwarding": "远程套接字转发",
}


def forward_names(what: str) -> dict[str, str]:
    """``{what}`` and ``{what_zh}`` for the "forward" sentence."""
    return {"what": what, "what_zh": FORWARDS.get(what, what)}


def duration(seconds: float) -> dict[str, str]:
    """``{duration}`` and ``{duration_zh}`` for a sentence: minutes, or seconds if short."""
    if seconds >= 120:
        minutes = f"{seconds / 60:.0f}"
        return {"duration": f"{minutes} minutes", "duration_zh": f"{minutes} 分钟"}
    return {"duration": f"{seconds:.0f} seconds", "duration_zh": f"{seconds:.0f} 秒"}


def sentence(lang: str, key: str, **values: object) -> str:
    en, zh = SENTENCES[key]
    return (zh if lang == "zh_CN" else en).format(**values)
