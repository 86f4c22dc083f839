"""The OpenSearch description document, so browsers and intranet portals can add coopsearch as a search engine."""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Request
from fastapi.responses import Response

from edge.access import policy
from edge.urls import public_base

router = APIRouter(dependencies=[policy("open")])
MEDIA_TYPE = "application/opensearchdescription+xml"


def description(base: str) -> str:
    """The XML document for a server at `base` (no trailing slash)."""
    html = quoteattr(f"{base}/?q={{searchTerms}}")
    # Only the required parameter: clients send `k=&offset=` for unset optional ones, which the API refuses.
    api = quoteattr(f"{base}/api/v1/search?q={{searchTerms}}")
    self_url = quoteattr(f"{base}/opensearch.xml")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/" xmlns:moz="http://www.mozilla.org/2006/browser/search/">
  <ShortName>coopsearch</ShortName>
  <Description>Search development-cooperation documents: resolutions, plans of action, reports</Description>
  <InputEncoding>UTF-8</InputEncoding>
  <OutputEncoding>UTF-8</OutputEncoding>
  <Url type="text/html" method="get" template={html}/>
  <Url type="application/json" method="get" template={api}/>
  <Url type="{MEDIA_TYPE}" rel="self" template={self_url}/>
  <moz:SearchForm>{escape(base)}/</moz:SearchForm>
</OpenSearchDescription>
"""


@router.get("/opensearch.xml", include_in_schema=False)
def opensearch(request: Request) -> Response:
    """The description, naming this server (or `public_url` when set)."""
    return Response(description(public_base(request).rstrip("/")), media_type=MEDIA_TYPE)
