"""A TAXII 2.1 session with the OASIS client (taxii2-client) and STIX library (stix2) against a
live hub, for test/interop/taxii2-client.test.ts.

Usage: taxii_client_flow.py BASE_URL   (e.g. http://127.0.0.1:6100)

Prints one JSON report on stdout: {"steps": {name: {"ok": bool, ...facts}}}. A step that raises
records the exception (for an HTTP error: method, URL, status, Content-Type and body), and the
steps that need its result are marked skipped. The jest test asserts on the facts; this script
only checks what it needs to go on.
"""
import json
import sys
import time
import traceback

import requests
import stix2
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

BASE = sys.argv[1].rstrip('/')
REPORT = {'base': BASE, 'steps': {}}
STATE = {}


def describe_error(ex):
    out = {'type': type(ex).__name__, 'message': str(ex)[:2000]}
    resp = getattr(ex, 'response', None)
    if resp is not None:
        req = resp.request
        out['http'] = {
            'method': req.method,
            'url': req.url,
            'request_headers': {k: v for k, v in req.headers.items() if k.lower() in ('accept', 'content-type')},
            'status': resp.status_code,
            'content_type': resp.headers.get('Content-Type'),
            'body': resp.text[:2000],
        }
    out['traceback'] = traceback.format_exc().splitlines()[-6:]
    return out


def step(name, needs=()):
    def run(fn):
        missing = [n for n in needs if not REPORT['steps'].get(n, {}).get('ok')]
        if missing:
            REPORT['steps'][name] = {'ok': False, 'skipped': 'needs ' + ', '.join(missing)}
            return fn
        started = time.time()
        try:
            facts = fn() or {}
            REPORT['steps'][name] = {'ok': True, **facts}
        except Exception as ex:  # the report says what failed; the test asserts on it
            REPORT['steps'][name] = {'ok': False, 'error': describe_error(ex)}
        REPORT['steps'][name]['seconds'] = round(time.time() - started, 3)
        return fn
    return run


def as_dict(obj):
    return json.loads(obj.serialize())


def envelope(*objs):
    return {'objects': [as_dict(o) for o in objs]}


def status_of(s):
    return {
        'id': s.id,
        'status': s.status,
        'total_count': s.total_count,
        'success_count': s.success_count,
        'failure_count': s.failure_count,
        'pending_count': s.pending_count,
        'successes': s.successes,
        'failures': s.failures,
    }


def add_and_poll(collection, api_root, env, timeout=30):
    """Adds without waiting, then polls Get Status (TAXII 2.1 §4.3) until it is complete."""
    status = collection.add_objects(env, wait_for_completion=False)
    first = status.status
    polls = 0
    deadline = time.time() + timeout
    while True:
        polled = api_root.get_status(status.id)
        polls += 1
        if polled.status == 'complete' or time.time() > deadline:
            break
        time.sleep(0.2)
    status.refresh()  # the Status object's own URL (../../status/<id> relative to the collection)
    return {'first_status': first, 'polls': polls, 'polled_status': polled.status, **status_of(status)}


# 1. Discovery (§4.1) and API root information (§4.2)
@step('discovery')
def _discovery():
    server = Server(BASE + '/taxii2/')
    roots = server.api_roots
    root = roots[0]
    STATE['server'] = server
    STATE['api_root'] = ApiRoot(root.url)  # a fresh instance, as a client given the URL would make
    return {
        'title': server.title,
        'default': server.default.url if server.default else None,
        'api_roots': [r.url for r in roots],
        'root_title': STATE['api_root'].title,
        'root_versions': STATE['api_root'].versions,
        'root_max_content_length': STATE['api_root'].max_content_length,
    }


# 2. Collections (§5.1, §5.2)
@step('collections', needs=['discovery'])
def _collections():
    api_root = STATE['api_root']
    listed = api_root.collections
    target = next(c for c in listed if c.alias == 'indicators')
    collection = Collection(target.url)  # Get a Collection by URL
    STATE['collection'] = collection
    return {
        'collections': [
            {'id': c.id, 'title': c.title, 'alias': c.alias, 'can_read': c.can_read, 'can_write': c.can_write,
             'media_types': c.media_types}
            for c in listed
        ],
        'chosen': {'id': collection.id, 'url': collection.url, 'can_read': collection.can_read,
                   'can_write': collection.can_write},
    }


def make_objects():
    ident = stix2.Identity(name='CSIRT Interop Test', identity_class='organization')
    mal1 = stix2.Malware(name='Interop Dropper', is_family=True, malware_types=['dropper'], created_by_ref=ident.id)
    mal2 = stix2.Malware(name='Interop Wiper', is_family=False, malware_types=['wiper'], created_by_ref=ident.id)
    ind1 = stix2.Indicator(name='C2 address', pattern="[ipv4-addr:value = '198.51.100.7']", pattern_type='stix',
                           indicator_types=['malicious-activity'], valid_from='2026-01-01T00:00:00Z',
                           created_by_ref=ident.id)
    ind2 = stix2.Indicator(name='Dropper hash', pattern_type='stix', valid_from='2026-01-01T00:00:00Z',
                           pattern="[file:hashes.'SHA-256' = "
                                   "'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
                           created_by_ref=ident.id)
    rel1 = stix2.Relationship(ind1, 'indicates', mal1, created_by_ref=ident.id)
    rel2 = stix2.Relationship(ind2, 'indicates', mal2, created_by_ref=ident.id)
    return [ident, mal1, mal2, ind1, ind2, rel1, rel2]


# 3. Add objects (§5.4) and poll the status (§4.3)
@step('add', needs=['collections'])
def _add():
    collection, api_root = STATE['collection'], STATE['api_root']
    # A marker added first: its date_added is the added_after of step 4, which must exclude it.
    marker = stix2.Identity(name='Before the bundle', identity_class='individual')
    marker_status = add_and_poll(collection, api_root, envelope(marker))
    if marker_status['success_count'] != 1:
        raise AssertionError('the marker object was not stored: %r' % (marker_status,))
    manifest = collection.get_manifest(id=marker.id)
    STATE['marker'] = marker
    STATE['added_after'] = manifest['objects'][0]['date_added']
    objs = make_objects()
    STATE['objects'] = objs
    status = add_and_poll(collection, api_root, envelope(*objs))
    return {
        'marker_status': marker_status['status'],
        'added_after': STATE['added_after'],
        'posted_ids': [o.id for o in objs],
        'status': status,
    }


# 4. Get objects (§5.3) in pages of 2 after added_after (§3.4.2: strictly after)
@step('paging', needs=['add'])
def _paging():
    collection = STATE['collection']
    pages = list(as_pages(collection.get_objects, per_request=2, added_after=STATE['added_after']))
    seen = [o['id'] for p in pages for o in p.get('objects', [])]
    posted = {o.id: as_dict(o) for o in STATE['objects']}
    returned = {o['id']: o for p in pages for o in p.get('objects', [])}
    manifest_pages = list(as_pages(collection.get_manifest, per_request=2, added_after=STATE['added_after']))
    manifest_ids = [o['id'] for p in manifest_pages for o in p.get('objects', [])]
    return {
        'page_sizes': [len(p.get('objects', [])) for p in pages],
        'page_more': [p.get('more') for p in pages],
        'next_present': [bool(p.get('next')) for p in pages],
        'seen_ids': seen,
        'posted_ids': list(posted),
        'marker_id': STATE['marker'].id,
        'round_trip_equal': [i for i in posted if returned.get(i) == posted[i]],
        'manifest_page_sizes': [len(p.get('objects', [])) for p in manifest_pages],
        'manifest_ids': manifest_ids,
        'manifest_entry': manifest_pages[0]['objects'][0] if manifest_pages and manifest_pages[0].get('objects') else None,
    }


# 5. A second version; Get Object Manifests (§5.6), Get Object Versions (§5.8), match[version]
@step('versions', needs=['add'])
def _versions():
    collection, api_root = STATE['collection'], STATE['api_root']
    ind1 = STATE['objects'][3]
    time.sleep(0.01)  # modified must be later than created at millisecond precision
    ind1b = ind1.new_version(name='C2 address (confirmed)', confidence=90)
    status = add_and_poll(collection, api_root, envelope(ind1b))
    versions = collection.object_versions(ind1.id)
    manifest_last = collection.get_manifest(id=ind1.id)
    manifest_all = collection.get_manifest(id=ind1.id, version='all')
    latest = collection.get_object(ind1.id)
    first = collection.get_object(ind1.id, version='first')
    every = collection.get_object(ind1.id, version='all')
    exact = collection.get_object(ind1.id, version=as_dict(ind1)['modified'])
    return {
        'status': status['status'],
        'success_count': status['success_count'],
        'expected_versions': [as_dict(ind1)['modified'], as_dict(ind1b)['modified']],
        'versions': versions.get('versions'),
        'versions_more': versions.get('more'),
        'manifest_last': [{'id': o['id'], 'version': o['version'], 'media_type': o.get('media_type'),
                           'date_added': o.get('date_added')} for o in manifest_last.get('objects', [])],
        'manifest_all_versions': [o['version'] for o in manifest_all.get('objects', [])],
        'get_object_latest': [o.get('modified') for o in latest.get('objects', [])],
        'get_object_latest_name': [o.get('name') for o in latest.get('objects', [])],
        'get_object_first': [o.get('modified') for o in first.get('objects', [])],
        'get_object_all': sorted(o.get('modified') for o in every.get('objects', [])),
        'get_object_exact': [o.get('modified') for o in exact.get('objects', [])],
    }


# 6. Delete an object (§5.7); afterwards it is gone from objects, manifest and versions
@step('delete', needs=['add'])
def _delete():
    collection = STATE['collection']
    rel = STATE['objects'][5]
    before = collection.get_object(rel.id)
    collection.delete_object(rel.id)
    after = {}
    for what, call in (('object', lambda: collection.get_object(rel.id)),
                       ('versions', lambda: collection.object_versions(rel.id))):
        try:
            body = call()
            after[what] = {'status': 200, 'count': len(body.get('objects', body.get('versions', [])) or [])}
        except requests.HTTPError as ex:
            after[what] = {'status': ex.response.status_code, 'body': ex.response.json()}
    manifest = [o['id'] for p in as_pages(collection.get_manifest, per_request=100) for o in p.get('objects', [])]
    objects = [o['id'] for p in as_pages(collection.get_objects, per_request=100) for o in p.get('objects', [])]
    return {
        'deleted_id': rel.id,
        'present_before': len(before.get('objects', [])),
        'after': after,
        'in_manifest_after': rel.id in manifest,
        'in_objects_after': rel.id in objects,
        'others_still_there': sorted(o.id for o in STATE['objects'] if o.id != rel.id and o.id in objects),
        'expected_others': sorted(o.id for o in STATE['objects'] if o.id != rel.id),
    }


if __name__ == '__main__':
    REPORT['ok'] = all(s.get('ok') for s in REPORT['steps'].values())
    json.dump(REPORT, sys.stdout, indent=1, default=str)
    sys.stdout.write('\n')
