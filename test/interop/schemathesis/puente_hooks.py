"""
schemathesis hooks for test/interop/schemathesis.test.ts (loaded with SCHEMATHESIS_HOOKS).

One kind of failure is dropped, and only one: a request valid by openapi.yaml that the hub
refuses because a value names something that must exist or must have been issued, which a
schema cannot say. A `next` token of the documented form that the hub did not issue for this
request (an HMAC over the endpoint, filters and caller) is 400 `invalid_next`; a release `to` a
well-formed group name the hub does not have, or the caller's own, is 400 `invalid_request`.
Every other answer counts.
"""
import json

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

_UNKNOWABLE = {
    "invalid_next": ("The next token is not valid for this request",),
    "invalid_request": ("which is not a trust group of this hub", "names this trust group"),
}


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return True
    try:
        body = json.loads(response.content)
    except ValueError:
        return True
    reasons = _UNKNOWABLE.get(body.get("error_code"), ())
    return not any(r in str(body.get("description", "")) for r in reasons)
