"""URLs as keys: the same article reached by http or https, with tracking parameters, a
fragment or a default port is one article."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

# Query parameters that say where a reader came from, not what they read.
_TRACKING_PREFIXES = ("utm_",)
_TRACKING = {"spm", "from", "isappinstalled", "scene", "clicktime", "enterid", "share_token"}
# A WeChat article is named by these; the rest of its query (chksm, …) varies per share.
_WECHAT_HOST = "mp.weixin.qq.com"
_WECHAT_KEYS = ("__biz", "mid", "idx", "sn")


def url_key(url: str) -> str:
    """The normalised URL: host lowercased without www. or a default port, no scheme,
    fragment or tracking parameters, query parameters sorted."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    if host == _WECHAT_HOST and parts.path == "/s":
        query = [(k, v) for k, v in query if k in _WECHAT_KEYS]
    path = parts.path or "/"
    return f"{host}{port}{path}" + (f"?{urlencode(sorted(query))}" if query else "")


def is_web_url(text: str) -> bool:
    parts = urlsplit(text.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or ''}:{parts.port or ''}".lower()
