"""The OpenSearch description document, so browsers and intranet portals can add coopsearch as a search engine."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Request
from fastapi.responses import Response

router = APIRouter()
MEDIA_TYPE = "application/opensearchdescription+xml"


def description(base: str) -> str:
    """The XML document for a server at `base` (no trailing slash)."""
    html = quoteattr(f"{base}/?q={{searchTerms}}")
    api = quoteattr(f"{base}/api/v1/search?q={{searchTerms}}&k={{count?}}&offset={{startIndex?}}")
    self_url = quoteattr(f"{base}/opensearch.xml")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/" xmlns:moz="http://www.mozilla.org/2006/browser/search/">
  <ShortName>coopsearch</ShortName>
  <Description>Search development-cooperation documents: resolutions, plans of action, reports, good practices</Description>
  <InputEncoding>UTF-8</InputEncoding>
  <OutputEncoding>UTF-8</OutputEncoding>
  <Url type="text/html" method="get" template={html}/>
  <Url type="application/json" method="get" indexOffset="0" template={api}/>
  <Url type="{MEDIA_TYPE}" rel="self" template={self_url}/>
  <moz:SearchForm>{escape(base)}/</moz:SearchForm>
</OpenSearchDescription>
"""


@router.get("/opensearch.xml", include_in_schema=False)
def opensearch(request: Request) -> Response:
    """The description, naming this server (or `public_url` when set)."""
    base = request.app.state.settings.public_url or str(request.base_url)
    return Response(description(base.rstrip("/")), media_type=MEDIA_TYPE)
