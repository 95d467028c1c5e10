// The workflows the browser tests (and a person trying the console) look at, made through the API:
//  - etl: start -> extract -> transform; transform SUCCEEDED -> load; transform FAILED -> notify.
//    transform fails (writing to stderr) until the file <dir>/fixed exists.
//  - slow: start -> sleeper, which sleeps until stopped.
//  - a workflow and a job whose names are HTML and script, with a run property that is HTML too.
import path from 'node:path';
import { script } from './harness.mjs';

export const EVIL_WF = '<img src=x onerror="window.__pwned=1">';
export const EVIL_JOB = '<script>window.__pwned=2</script>';
export const EVIL_PROP = '<b onmouseover="window.__pwned=3">bold</b>';

export async function makeScenario(call, dir) {
  const sh = (name, text) => ({ Name: 'shell', ScriptLocation: script(dir, name, text) });
  const job = (Name, Command, extra = {}) => call('CreateJob', Object.assign({ Name, Role: 'r', Command }, extra));
  await job('extract', sh('extract.sh', 'echo "extracting rows"\nfor i in 1 2 3; do echo "batch $i"; done\nsleep 2\necho "<b>done</b>"\n'));
  await job('transform', sh('transform.sh', `echo "transforming"\nif [ -f '${path.join(dir, 'fixed')}' ]; then echo fixed; exit 0; fi\n` +
    'echo "reading input" >&2\necho "ValueError: column <amount> is not a number" >&2\nexit 3\n'));
  await job('load', sh('load.sh', 'echo "loading"\n'));
  await job('notify', sh('notify.sh', 'echo "paging the on-call"\n'));
  await job('sleeper', sh('sleeper.sh', 'echo "sleeping"\nexec sleep 120\n'));
  await job(EVIL_JOB, sh('evil.sh', 'echo "<script>window.__pwned=4</script>"\necho "<img src=x onerror=window.__pwned=5>" >&2\n'));

  await call('CreateWorkflow', { Name: 'etl', Description: 'Nightly extract, transform and load', DefaultRunProperties: { day: '2024-01-01' } });
  const cond = (job, state) => ({ Logical: 'AND', Conditions: [{ LogicalOperator: 'EQUALS', JobName: job, State: state }] });
  await call('CreateTrigger', { Name: 'etl-start', WorkflowName: 'etl', Type: 'ON_DEMAND', Actions: [{ JobName: 'extract' }] });
  await call('CreateTrigger', { Name: 'after-extract', WorkflowName: 'etl', Type: 'CONDITIONAL', StartOnCreation: true,
    Predicate: cond('extract', 'SUCCEEDED'), Actions: [{ JobName: 'transform' }] });
  await call('CreateTrigger', { Name: 'after-transform', WorkflowName: 'etl', Type: 'CONDITIONAL', StartOnCreation: true,
    Predicate: cond('transform', 'SUCCEEDED'), Actions: [{ JobName: 'load' }] });
  await call('CreateTrigger', { Name: 'on-transform-failure', WorkflowName: 'etl', Type: 'CONDITIONAL', StartOnCreation: true,
    Predicate: cond('transform', 'FAILED'), Actions: [{ JobName: 'notify' }] });

  await call('CreateWorkflow', { Name: 'slow' });
  await call('CreateTrigger', { Name: 'slow-start', WorkflowName: 'slow', Type: 'ON_DEMAND', Actions: [{ JobName: 'sleeper' }] });

  await call('CreateWorkflow', { Name: EVIL_WF, Description: '<i>not italic</i>' });
  await call('CreateTrigger', { Name: 'evil-start', WorkflowName: EVIL_WF, Type: 'ON_DEMAND', Actions: [{ JobName: EVIL_JOB }] });
}
