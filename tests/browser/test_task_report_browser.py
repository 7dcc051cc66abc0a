"""The HTML task report in a real browser: Debian's Chromium, driven headless by Playwright (make browser).

No browser is downloaded (never `playwright install`): Playwright is pointed at /usr/bin/chromium,
which .ci/run installs with apt-get when it is missing. Without it these tests FAIL and say why.

1. The demo fleet's report, written by the task_report role through ansible-playbook with a spoke
   down: the counts shown equal the JSON report, filtering, sorting, grouping, the activity-log
   pane, the keyboard and the timeline work, text contrast holds in light and dark mode, no console
   errors, no network request. Screenshots go to tests/output/.
2. 100,000 tasks: rendered in Python and loaded, still responsive (only the rows in view are in the
   document). The times are written to tests/output/task-report-timings.json.
"""
import importlib.util
import json
import os
import shutil
import sys
import time

import pytest

from ansible_collections.spectrum_protect.operations.plugins.plugin_utils import _report

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INTEGRATION = os.path.join(ROOT, 'tests', 'integration')
sys.path.insert(0, INTEGRATION)
import task_report_synth  # noqa: E402  (tests/integration)
from task_report_run import hub_of, run_report  # noqa: E402


def _harness():
    """The integration harness (emulated fleets), loaded under a name of its own: a conftest.py
    of another folder is not importable as `conftest` from here."""
    spec = importlib.util.spec_from_file_location('sp_integration_harness', os.path.join(INTEGRATION, 'conftest.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHROMIUM = os.environ.get('SP_TEST_CHROMIUM', '/usr/bin/chromium')
ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run']
OUTPUT = os.path.join(ROOT, 'tests', 'output')

CONTRAST_JS = r"""
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) { return null; }
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(parseFloat);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) { break; } }
    }
    let out = { r: 255, g: 255, b: 255 };
    if (!layers.length || layers[layers.length - 1].a < 1) {
      out = parse(getComputedStyle(document.body).backgroundColor) || out;
    }
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i];
      out = { r: l.r * l.a + out.r * (1 - l.a), g: l.g * l.a + out.g * (1 - l.a), b: l.b * l.a + out.b * (1 - l.a) };
    }
    return out;
  };
  const bad = [];
  let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg, script, style, noscript, [hidden]')) { continue; }
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) { continue; }
    const rect = el.getBoundingClientRect();
    if (!rect.width || !rect.height) { continue; }
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') { continue; }
    const fg = parse(style.color);
    const bg = background(el);
    const hi = Math.max(lum(fg), lum(bg)), lo = Math.min(lum(fg), lum(bg));
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize), weight = parseInt(style.fontWeight, 10);
    const large = size >= 24 || (size >= 18.66 && weight >= 700);
    checked++;
    if (ratio < (large ? 3 : 4.5)) {
      bad.push({ text: el.textContent.trim().slice(0, 40), cls: el.className, ratio: Math.round(ratio * 100) / 100 });
    }
  }
  return { checked, bad };
}
"""


@pytest.fixture(scope='module')
def chromium():
    """Playwright driving the system Chromium; fails (never skips) when either is missing."""
    if not os.path.isfile(CHROMIUM) and not shutil.which('chromium'):
        pytest.fail('Chromium is not installed (%s not found): the browser test needs Debian\'s chromium '
                    'package. .ci/run installs it (apt-get update && apt-get install -y chromium); '
                    'install it the same way and run again.' % CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:   # pragma: no cover - requirements-dev.txt pins playwright
        pytest.fail('playwright is not installed in the venv (%s): make venv installs requirements-dev.txt' % exc)
    executable = CHROMIUM if os.path.isfile(CHROMIUM) else shutil.which('chromium')
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        yield browser
        browser.close()


class Page(object):
    """A page with every console error, page error and non-file request recorded."""

    def __init__(self, browser, path, scheme='light', width=1440, height=1000):
        self.context = browser.new_context(viewport={'width': width, 'height': height}, color_scheme=scheme)
        self.page = self.context.new_page()
        self.errors = []
        self.requests = []
        self.page.on('console', lambda m: self.errors.append(m.text) if m.type == 'error' else None)
        self.page.on('pageerror', lambda e: self.errors.append(str(e)))
        self.page.on('request', lambda r: self.requests.append(r.url) if not r.url.startswith('file://') else None)
        started = time.time()
        self.page.goto('file://' + path)
        self.page.wait_for_selector('html[data-ready="1"]', timeout=120000)
        self.load_seconds = time.time() - started

    def shown(self):
        return int(self.page.get_attribute('#shown', 'data-shown'))

    def rows(self):
        """The task rows in the document (the ones in view): [(server, type, id, state), ...]."""
        return self.page.eval_on_selector_all(
            '#spacer [role=row][data-r]',
            'rows => rows.map(r => Array.from(r.children).map(c => c.textContent.trim()))')

    def wait_until(self, condition, seconds=10):
        """Poll from here: the page's CSP (no eval) forbids Playwright's wait_for_function strings."""
        deadline = time.time() + seconds
        while not condition():
            assert time.time() < deadline, 'the page did not change in %d s' % seconds
            self.page.wait_for_timeout(50)

    def settle(self):
        self.page.evaluate('() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))')

    def close(self):
        self.context.close()


def _screenshot(page, name):
    os.makedirs(OUTPUT, exist_ok=True)
    path = os.path.join(OUTPUT, name)
    page.page.screenshot(path=path, full_page=True)
    assert os.path.getsize(path) > 10000
    return path


@pytest.fixture(scope='module')
def demo_report(tmp_path_factory):
    """The demo fleet with a spoke down, reported by the role through the hub."""
    fleet = _harness().make_fleet(tmp_path_factory)
    spoke = next(s['name'] for s in fleet.spec['servers'] if s.get('role') != 'hub')
    fleet.spemu('fault', spoke, 'down')
    run = run_report(fleet, 'browser', extra={'task_report_timeline_windows': [
        {'name': 'Maintenance window', 'start': '22:00', 'end': '04:00'}]})
    assert run.report['parameters']['hub'] == hub_of(fleet)
    return run, spoke


def test_the_page_shows_the_data_and_every_control_works(chromium, demo_report):
    run, spoke = demo_report
    report = run.report
    tasks = report['tasks']
    summary = report['summary']
    page = Page(chromium, run.path('html'))
    p = page.page

    # the counts shown are the data's
    shown_counts = dict((k, int(p.inner_text('.count[data-count="%s"] .n' % k)))
                        for k in ('successful', 'warning', 'failed', 'active'))
    assert shown_counts == {'successful': summary['successful'], 'warning': summary['warning'],
                            'failed': summary['failed'], 'active': sum(summary['active'].values())}
    assert page.shown() == len(tasks)
    assert p.locator('table.servers tbody tr').count() == len(report['servers'])
    assert spoke in p.inner_text('.alert-failed') and 'could not be read' in p.inner_text('.alert-failed')
    assert page.errors == [] and page.requests == []
    _screenshot(page, 'task-report-light.png')

    # a header count filters the table to exactly those tasks
    assert not p.is_visible('#count-filter')
    p.click('.count[data-count="failed"]')
    assert page.shown() == summary['failed']
    assert {r[4].split(' ', 1)[1] for r in page.rows()} <= {'Failed', 'Terminated'}
    assert p.is_visible('#count-filter') and p.get_attribute('.count[data-count="failed"]', 'aria-pressed') == 'true'
    p.click('.count[data-count="failed"]')
    assert page.shown() == len(tasks) and not p.is_visible('#count-filter')

    # server, type, state and free-text filters
    server = report['servers'][0]['name']
    p.select_option('#f-server', label='%s (%d)' % (server, sum(1 for t in tasks if t['server'] == server)))
    assert page.shown() == sum(1 for t in tasks if t['server'] == server)
    p.select_option('#f-type', index=2)      # processes
    assert page.shown() == sum(1 for t in tasks if t['server'] == server and t['type'] == 'process')
    p.click('#f-reset')
    warning_states = sum(1 for t in tasks if t['state'] == 'Warning')
    p.select_option('#f-state', 'Warning')
    assert page.shown() == warning_states
    p.click('#f-reset')
    failed = next(t for t in tasks if t['outcome'] == 'failed' and t['type'] == 'process' and t['messages'])
    msgno = failed['messages'][-1]['message'].split()[0]          # e.g. ANR0990E, only in its activity log
    p.fill('#f-text', msgno)
    page.wait_until(lambda: page.shown() != len(tasks))      # the search waits for typing to pause
    found = page.rows()
    assert [failed['server'], 'process', str(failed['id'])] in [r[:3] for r in found]
    p.click('#f-reset')
    assert page.shown() == len(tasks)

    # sort by ID, both ways, and by duration (numbers, not text)
    p.click('[data-sort="id"]')
    ids = [int(r[2]) for r in page.rows()]
    assert ids == sorted(ids) and ids[0] == min(t['id'] for t in tasks)
    assert p.get_attribute('[role=columnheader]:has([data-sort="id"])', 'aria-sort') == 'ascending'
    p.click('[data-sort="id"]')
    ids = [int(r[2]) for r in page.rows()]
    assert ids == sorted(ids, reverse=True) and ids[0] == max(t['id'] for t in tasks)
    p.click('[data-sort="dur"]')
    p.click('[data-sort="dur"]')
    longest = max(t['duration_seconds'] for t in tasks if t['duration_seconds'] is not None)
    assert page.rows()[0][9] == _report.duration_text(longest)
    p.click('#f-reset')

    # grouping: processes under their job (and under their parent process)
    child = next(t for t in tasks if t['type'] == 'process' and t['job_id'] is not None and
                 any(j['type'] == 'job' and j['id'] == t['job_id'] and j['server'] == t['server'] for j in tasks))
    p.select_option('#f-group', 'job')
    rows = page.rows()
    keys = [tuple(r[:3]) for r in rows]
    job_at = keys.index((child['server'], 'job', str(child['job_id'])))
    child_at = keys.index((child['server'], 'process', str(child['id'])))
    assert child_at > job_at
    assert all(k[1] == 'process' for k in keys[job_at + 1:child_at + 1])
    assert p.get_attribute('#spacer [role=row][aria-expanded]', 'aria-expanded') == 'true'
    before = int(p.get_attribute('#viewport', 'aria-rowcount'))
    p.click('#spacer [role=row][data-r] .tog >> nth=0')                 # fold the first job
    assert int(p.get_attribute('#viewport', 'aria-rowcount')) < before
    p.select_option('#f-group', 'server')
    with_tasks = [s['name'] for s in report['servers'] if any(t['server'] == s['name'] for t in tasks)]
    while p.locator('#spacer .row.group[aria-expanded="true"]').count():  # fold every server, one by one
        p.locator('#spacer .row.group[aria-expanded="true"]').first.click()
    headers = p.locator('#spacer .row.group')
    assert [h.split(' \u2014 ')[0].strip('\u25b8 ') for h in headers.all_inner_texts()] == with_tasks
    assert int(p.get_attribute('#viewport', 'aria-rowcount')) == len(with_tasks) + 1
    p.click('#f-reset')

    # the activity-log pane: the task's messages, one click away
    p.click('.count[data-count="failed"]')
    p.locator('#spacer [role=row][data-r]').first.click()
    first_failed = next(t for t in tasks if t['outcome'] in ('failed', 'terminated'))
    assert p.is_visible('#pane')
    assert p.inner_text('#pane-h') == '%s \u00b7 %s %s' % (first_failed['server'], first_failed['type'], first_failed['id'])
    assert p.locator('#pane .log li').count() == len(first_failed['messages'])
    assert first_failed['messages'][-1]['message'] in p.inner_text('#pane .log')
    _screenshot(page, 'task-report-pane.png')
    p.keyboard.press('Escape')
    assert not p.is_visible('#pane')
    p.click('#f-reset')

    # the keyboard alone: into the table, down one row, open, close
    p.focus('#viewport')
    p.keyboard.press('ArrowDown')
    p.keyboard.press('Enter')
    second = tasks[1]
    assert p.inner_text('#pane-h') == '%s \u00b7 %s %s' % (second['server'], second['type'], second['id'])
    assert p.evaluate('document.activeElement.id') == 'pane'
    p.keyboard.press('Escape')
    assert p.evaluate('document.activeElement.getAttribute("role")') == 'row'

    # the timeline: every process and job is a bar of its own, or counted in a merged or density mark
    bars = p.locator('svg.timeline .bar[data-i]')
    drawn = sorted(int(b) for b in p.eval_on_selector_all('svg.timeline .bar[data-i]', 'e => e.map(x => x.dataset.i)'))
    merged = p.eval_on_selector_all('svg.timeline .bar[data-n]', 'e => e.reduce((n, x) => n + Number(x.dataset.n), 0)')
    dense = sum(int(t.strip('+ overlapping')) for t in p.locator('svg.timeline .tl-more').all_inner_texts())
    timed = [i for i, t in enumerate(tasks) if t['type'] in ('process', 'job')]
    assert set(drawn) <= set(timed) and len(drawn) + merged + dense == len(timed)
    assert p.locator('svg.timeline .tl-window').count() >= 1
    index = int(bars.first.get_attribute('data-i'))
    bars.first.click()
    assert p.inner_text('#pane-h') == '%s \u00b7 %s %s' % (tasks[index]['server'], tasks[index]['type'], tasks[index]['id'])

    assert page.errors == [], page.errors
    assert page.requests == [], page.requests
    page.close()


@pytest.mark.parametrize('scheme', ['light', 'dark'])
def test_text_contrast_in_light_and_dark_mode(chromium, demo_report, scheme):
    run, _spoke = demo_report
    page = Page(chromium, run.path('html'), scheme=scheme)
    page.page.click('.count[data-count="warning"]')      # warning rows and badges in view too
    page.page.locator('#spacer [role=row][data-r]').first.click()
    result = page.page.evaluate(CONTRAST_JS)
    assert result['checked'] > 100
    assert result['bad'] == [], result['bad']
    background = page.page.evaluate('getComputedStyle(document.body).backgroundColor')
    assert (background == 'rgb(13, 17, 23)') == (scheme == 'dark')
    _screenshot(page, 'task-report-%s-pane.png' % scheme)
    assert page.errors == []
    page.close()


def test_one_hundred_thousand_tasks_stay_responsive(chromium, tmp_path):
    timings = {}
    started = time.time()
    result = task_report_synth.fleet_result(servers=51, tasks_per_server=2000, messages=3, down=('SP007',))
    timings['generate_s'] = round(time.time() - started, 2)
    started, cpu = time.time(), time.process_time()
    model = _report.build([result], parameters={'since': '24h', 'since_seconds': 86400, 'hub': 'SP001',
                                                'activity_log': True})
    timings['build_model_s'] = round(time.time() - started, 2)
    per_format = {}
    paths = _report.write(model, str(tmp_path), 'task-report', _report.FORMATS, timings=per_format)
    timings.update(('write_%s_s' % fmt, seconds) for fmt, seconds in per_format.items())
    timings['render_all_formats_s'] = round(time.time() - started, 2)
    timings['render_all_formats_cpu_s'] = round(time.process_time() - cpu, 2)   # what the load average does not change
    timings['tasks'] = len(model['tasks'])
    timings['html_mib'] = round(os.path.getsize(paths['html']) / 1048576.0, 1)
    assert timings['tasks'] == 100000
    assert timings['render_all_formats_s'] < 120      # linear: ~6 s here; a quadratic step would take hours

    page = Page(chromium, paths['html'])
    p = page.page
    timings['load_s'] = round(page.load_seconds, 2)
    assert page.shown() == timings['tasks']
    assert p.locator('#spacer [role=row]').count() < 120        # only the rows in view are in the document

    def timed(name, action):
        begun = time.time()
        action()
        page.settle()
        timings[name] = round(time.time() - begun, 3)
        assert timings[name] < 10, timings

    timed('sort_by_duration_s', lambda: p.click('[data-sort="dur"]'))
    timed('filter_failed_s', lambda: p.click('.count[data-count="failed"]'))
    assert page.shown() == model['summary']['failed']
    timed('unfilter_s', lambda: p.click('.count[data-count="failed"]'))
    timed('group_by_job_s', lambda: p.select_option('#f-group', 'job'))
    timed('scroll_to_end_s', lambda: p.evaluate('document.getElementById("viewport").scrollTop = 1e9'))
    assert p.locator('#spacer [role=row]').count() < 120
    timed('open_pane_s', p.locator('#spacer [role=row][data-r]').last.click)
    assert p.is_visible('#pane')
    assert page.errors == [] and page.requests == []
    _screenshot(page, 'task-report-100k.png')
    os.makedirs(OUTPUT, exist_ok=True)
    with open(os.path.join(OUTPUT, 'task-report-timings.json'), 'w') as handle:
        json.dump(timings, handle, indent=2)
    print('task report, 100,000-task timings: %s' % json.dumps(timings))
    page.close()
