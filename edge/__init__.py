"""What both edges (the JSON API in search_api, the pages in web) share: the access policy, keys, the rate
and time limits, client addresses, security headers, public links and the one error shape.

`search_api` and `web` both import from here and never from each other (except that search_api mounts web).
"""
