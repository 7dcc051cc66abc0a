"""The report's files are written piece by piece (JSON, CSV and the HTML page's data one task at a
time), never as one string of the whole report: the files must be exactly what render() gives, and
writing must not need memory in proportion to the files.
"""
import datetime
import json
import os
import tracemalloc

import pytest

from ansible_collections.spectrum_protect.operations.plugins.plugin_utils import _report
from ansible_collections.spectrum_protect.operations.tests.unit.plugins.plugin_utils.test_report import (
    routed_result,
    task,
)

MOMENT = datetime.datetime(2025, 3, 14, 12, 0, 0)
OPTIONS = {'timeline_windows': [{'name': 'Maintenance', 'start': '22:00', 'end': '04:00'}],
           'markdown_full': True}


def model_of(results):
    return _report.build(results, generated_at=MOMENT, include_raw=True,
                         parameters={'since': '24h', 'since_seconds': 86400, 'hub': 'HUB1', 'activity_log': True})


def read(path):
    with open(path, encoding='utf-8', newline='') as handle:
        return handle.read()


def test_the_written_files_are_exactly_what_render_gives(tmp_path):
    result = routed_result()
    # a task of a server the result does not list, text the page's script must not take as markup
    result['tasks'].append(task('SPOKE9', 'process', 9, 'Failed', 'failed',
                                description='</script><!-- & \u2028 "quoted" Gr\u00fc\u00dfe'))
    model = model_of([result])
    paths = _report.write(model, str(tmp_path), 'report', list(_report.FORMATS), OPTIONS)
    for fmt in _report.FORMATS:
        assert read(paths[fmt]) == _report.render(model, fmt, OPTIONS), fmt
    # and they are the documents themselves, not only what the same writers give as a string
    assert read(paths['json']) == json.dumps(model, ensure_ascii=False, separators=(',', ':')) + '\n'
    page = read(paths['html'])
    assert _report._script_json(_report.page_data(model)) in page
    assert '</script><!--' not in page.split('id="report-data">')[1].split('</script>')[0]
    assert os.listdir(str(tmp_path)) == sorted(os.listdir(str(tmp_path))) and len(os.listdir(str(tmp_path))) == 4


def test_a_bad_timeline_window_leaves_no_html_file(tmp_path):
    model = model_of([routed_result()])
    with pytest.raises(_report.ReportError, match='HH:MM'):
        _report.write(model, str(tmp_path), 'report', ['html'], {'timeline_windows': [{'start': 'soon'}]})
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize('fmt,share', [('json', 0.1), ('csv', 0.2), ('html', 1.0)])
def test_writing_does_not_hold_the_file_in_memory(tmp_path, fmt, share):
    """Peak memory of writing one format, against the file's size: JSON and CSV need a small part
    of it; the page needs less than its size (its timeline is built whole; the data is streamed),
    where one string of the page (and of its data, and their escaped copies) would need twice it."""
    servers = [{'name': 'SP%02d' % n, 'version': '8.1.21', 'jobs_supported': True, 'reachable': True,
                'error': None} for n in range(4)]
    tasks = [task(servers[n % 4]['name'], 'process', n, 'Successful', 'successful', description='BACKUP STGPOOL %d' % n,
                  messages=[{'time': '2025-03-14T01:59:00', 'msgno': '0986', 'severity': 'I',
                             'message': 'ANR0986I Process %d for BACKUP STGPOOL processed 1,234 items.' % n}])
             for n in range(5000)]
    model = model_of([{'tasks': tasks, 'servers': servers, 'summary': None, 'commands': []}])
    del tasks
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        paths = _report.write(model, str(tmp_path), 'report', [fmt], {})
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    size = os.path.getsize(paths[fmt])
    assert size > 500000
    assert peak < size * share, (peak, size)
