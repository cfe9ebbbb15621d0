"""Fixture news sites served on 127.0.0.1 by the tests: pages written for these tests (our
own sentences), with the misbehaviours real sites have (errors, 304, slow answers, redirect
loops, huge pages, GBK)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html import escape

from aiohttp import web


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None  # answered with 304 when the request names it
    location: str | None = None  # a redirect
    stall: bool = False  # never answers (until the site closes)
    stream_bytes: int = 0  # streams this many bytes without a Content-Length


@dataclass
class Site:
    """One web site on its own port (a host of its own, for per-host politeness)."""

    pages: dict[str, Page] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    agents: set[str] = field(default_factory=set)
    conditional: list[str] = field(default_factory=list)  # paths asked with If-None-Match
    arrivals: list[float] = field(default_factory=list)  # monotonic time of each request
    in_flight: int = 0
    most_in_flight: int = 0
    base: str = ""
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    def put(self, path: str, body: str | bytes, **options: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = Page(data, **options)  # type: ignore[arg-type]
        return self.base + path

    def url(self, path: str) -> str:
        return self.base + path

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path_qs
        self.arrivals.append(time.monotonic())
        self.hits[path] += 1
        self.agents.add(request.headers.get("User-Agent", ""))
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await self._answer(request, path)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request, path: str) -> web.StreamResponse:
        page = self.pages.get(path) or self.pages.get(request.path)
        if page is None:
            return web.Response(status=404, text="not found")
        if page.stall:
            await self._closing.wait()
            return web.Response(status=503)
        if page.location:
            return web.Response(status=302, headers={"Location": page.location})
        if page.etag and request.headers.get("If-None-Match") == page.etag:
            self.conditional.append(path)
            return web.Response(status=304, headers={"ETag": page.etag})
        if page.stream_bytes:
            response = web.StreamResponse(headers={"Content-Type": page.content_type})
            await response.prepare(request)
            chunk = b"<p>" + "导航".encode() * 8000 + b"</p>"
            sent = 0
            while sent < page.stream_bytes:
                await response.write(chunk)
                sent += len(chunk)
            await response.write_eof()
            return response
        headers = {"Content-Type": page.content_type}
        if page.etag:
            headers["ETag"] = page.etag
        return web.Response(status=page.status, body=page.body, headers=headers)


@asynccontextmanager
async def serve(*sites: Site) -> AsyncIterator[tuple[Site, ...]]:
    """Serve each site on 127.0.0.1 on a port of its own; `site.base` is its URL."""
    runners = []
    try:
        for site in sites:
            app = web.Application()
            app.router.add_route("GET", "/{tail:.*}", site.handle)
            runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
            await runner.setup()
            tcp = web.TCPSite(runner, "127.0.0.1", 0)
            await tcp.start()
            port = runner.addresses[0][1]
            site.base = f"http://127.0.0.1:{port}"
            runners.append(runner)
        yield sites
    finally:
        for site in sites:
            site._closing.set()
        for runner in runners:
            await runner.cleanup()


def article_html(
    title: str, paragraphs: list[str], *, day: str = "2024-07-01", source: str = "北疆先锋网",
    author: str | None = None, charset: str | None = "utf-8", nav: bool = True,
) -> str:  # fmt: skip
    """An article page as CMS sites print them: navigation, a header block, the body."""
    menu = "".join(f'<li><a href="/{n}/">{n}</a></li>' for n in ("首页", "要闻", "基层", "专题"))
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    byline = f"<span>作者：{escape(author)}</span>" if author else ""
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    return (
        f"<html><head>{meta if charset else ''}"
        f"<title>{escape(title)}_{escape(source)}</title></head><body>"
        + (f'<div class="nav"><ul>{menu}</ul></div>' if nav else "")
        + f'<div class="article"><h1 class="title">{escape(title)}</h1>'
        f'<div class="info">发布时间：{day} 来源：{escape(source)} {byline}</div>'
        f'<div class="content">{body}</div></div>'
        '<div class="footer">主办单位：某某网站 备案号：蒙ICP备00000000号</div></body></html>'
    )


def list_html(links: list[tuple[str, str]], next_href: str | None = None) -> str:
    items = "".join(
        f'<li><a href="{h}">{escape(t)}</a><span>2024-07-01</span></li>' for h, t in links
    )
    nxt = f'<a class="next" href="{next_href}">下一页</a>' if next_href else ""
    return (
        '<html><head><meta charset="utf-8"><title>基层党建</title></head><body>'
        '<div class="nav"><a href="/">首页</a><a href="/jcdj/">基层党建</a></div>'
        f'<ul class="list">{items}</ul><div class="page">{nxt}</div></body></html>'
    )


# Articles written for these tests; each is distinct enough not to be a near-duplicate.
STORIES: dict[str, tuple[str, list[str]]] = {
    "pasture": (
        "嘎查党支部带领牧民发展集体经济",
        [
            "今年以来，某某嘎查党支部把发展壮大集体经济作为头等大事，组织党员带头试种优质饲草。",
            "支部书记挨家挨户上门讲解入股办法，三十多户牧民以草场和牲畜入股合作社。",
            "合作社统一采购饲料、统一对接市场，每只羊的养殖成本比过去降低了一成多。",
            "到九月底，嘎查集体经济收入已经超过二十五万元，入股牧民人均分红两千余元。",
        ],
    ),
    "library": (
        "社区党员志愿者办起四点半课堂",
        [
            "放学铃声一响，某某社区的四点半课堂就热闹起来，退休教师党员轮流来给孩子辅导功课。",
            "社区党委把闲置的会议室改成了自习室，又从驻区单位募集来两千多册图书。",
            "双职工家庭的孩子放学后有了去处，家长们说这件小事办到了大家的心坎上。",
            "下一步，社区还打算开设书法和科普兴趣班，让课堂内容更加丰富多彩。",
        ],
    ),
    "roads": (
        "苏木党委推动村村通硬化路建设",
        [
            "为解决群众出行难题，某某苏木党委把道路建设列入为民办实事清单，由班子成员分片包联。",
            "施工期间，党员突击队每天在工地上协调用地、监督质量，确保工程按期完工。",
            "新修的十二公里硬化路连通了五个嘎查，农畜产品运出去的时间缩短了一半。",
            "沿线群众自发组织护路队，约定每月清扫一次路面，让好路长久好用。",
        ],
    ),
    "clinic": (
        "流动党员服务站开进草原深处",
        [
            "每逢转场季节，某某旗的流动党员服务站就跟着牧民一起出发，把医疗和政策送到帐篷门口。",
            "服务站配备了常用药品和血压计，随队医生已为三百多名牧民做了健康检查。",
            "党员们还帮助年纪大的牧民办理养老保险认证，免去了来回奔波之苦。",
            "牧民们说，有了这支随叫随到的队伍，心里觉得格外踏实。",
        ],
    ),
    "market": (
        "党建联盟助力农产品走出乡村",
        [
            "某某镇党委牵头成立产业党建联盟，把种植大户、电商企业和物流公司拉进一个群里。",
            "联盟定期组织直播带货培训，年轻党员手把手教农户拍视频、写介绍。",
            "今年秋收以来，全镇通过网络卖出的小米和杂粮已经超过八十万斤。",
            "镇里还建起了冷链仓库，让农产品保鲜时间更长，卖价也更高了。",
        ],
    ),
    "heating": (
        "网格员入户排查冬季取暖安全",
        [
            "入冬前，某某街道组织网格员和党员志愿者逐户走访，查看炉具和烟道是否安全。",
            "对独居老人家庭，志愿者免费更换了一氧化碳报警器，并留下了联系电话。",
            "排查中发现的隐患当天登记、当周整改，共消除安全隐患一百二十多处。",
            "街道党工委表示，将把入户排查作为每年入冬前的固定动作坚持下去。",
        ],
    ),
}


def story_html(key: str, **options: object) -> str:
    title, paragraphs = STORIES[key]
    return article_html(title, paragraphs, **options)  # type: ignore[arg-type]
