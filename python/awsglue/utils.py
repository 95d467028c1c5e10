"""getResolvedOptions and GlueArgumentError, as AWS Glue documents them.

A Glue job gets its arguments on the command line: the script's path, then ``--KEY value`` pairs (glued passes
``--JOB_NAME``, ``--JOB_RUN_ID``, ``--WORKFLOW_NAME`` and ``--WORKFLOW_RUN_ID`` when the job runs in a workflow,
and the job's arguments). ``getResolvedOptions(sys.argv, ['JOB_NAME', 'day'])`` returns them as a dict keyed
without the dashes. What it does, as on Glue:

- every name asked for is required: when one is missing it raises GlueArgumentError with the message
  ``the following arguments are required: --day`` (naming each missing option);
- ``--KEY value`` and ``--KEY=value`` are both read (the second form also takes a value that starts with '-');
- arguments not asked for are ignored, and a repeated option keeps its last value;
- a dash in a name becomes an underscore in the key (``--my-key`` is ``args['my_key']``), as argparse does;
- the arguments Glue passes to every job are in the result whether asked for or not: ``JOB_ID``,
  ``JOB_RUN_ID``, ``SECURITY_CONFIGURATION``, ``encryption_type``, ``TempDir`` and ``RedshiftTempDir`` (each
  None when absent; the two temporary directories stand in for each other), and ``job_bookmark_option``
  (``job-bookmark-disable`` unless given);
- asking for a name Glue keeps for itself (``job-bookmark-option``, ``continuation-option``, ``job-bookmark-from``,
  ``job-bookmark-to``, ``encryption-type``) raises RuntimeError.
"""

import argparse

__all__ = ["GlueArgumentError", "getResolvedOptions"]


class GlueArgumentError(Exception):
    """The script's arguments do not hold what getResolvedOptions was asked for (the message says what)."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting."""

    def error(self, message):
        raise GlueArgumentError(message)

    def exit(self, status=0, message=None):
        raise GlueArgumentError(message or f"argument parsing ended with status {status}")


# Names Glue keeps for itself; a script may not ask for them.
_RESERVED = ("job-bookmark-option", "continuation-option", "job-bookmark-from", "job-bookmark-to",
             "encryption-type")
# Arguments Glue passes to jobs, read whether or not the script asks for them.
_PASSED = ("JOB_ID", "JOB_RUN_ID", "SECURITY_CONFIGURATION", "TempDir", "RedshiftTempDir", "enable-data-lineage")
_BOOKMARK_CHOICES = ("job-bookmark-enable", "job-bookmark-disable", "job-bookmark-pause")


def getResolvedOptions(args, options):
    """Reads the options named in ``options`` (names without the leading dashes) from ``args`` (sys.argv,
    whose first item, the script, is skipped) and returns a dict of them and of the arguments every Glue job
    gets. Raises GlueArgumentError naming any option that is missing or has no value."""
    if isinstance(options, str):
        raise TypeError("getResolvedOptions: options must be a list of names, e.g. ['JOB_NAME']")
    wanted = []
    for name in options:
        if not isinstance(name, str) or not name:
            raise TypeError(f"getResolvedOptions: option names must be non-empty strings (got {name!r})")
        if name.startswith("-"):
            raise GlueArgumentError(f"option names are given without dashes: use {name.lstrip('-')!r}, "
                                    f"not {name!r}")
        if name in _RESERVED:
            raise RuntimeError(f"Using reserved arguments --{name}")
        if name not in wanted:
            wanted.append(name)

    parser = _Parser(add_help=False, prog="getResolvedOptions")
    parser.add_argument("--job-bookmark-option", choices=_BOOKMARK_CHOICES, required=False)
    parser.add_argument("--continuation-option", choices=("continuation-enabled", "continuation-disabled",
                                                          "continuation-ignore"), required=False)
    parser.add_argument("--job-bookmark-from", required=False)
    parser.add_argument("--job-bookmark-to", required=False)
    parser.add_argument("--encryption-type", required=False)
    for name in _PASSED:
        parser.add_argument("--" + name, required=name in wanted)
    for name in wanted:
        if name not in _PASSED:
            parser.add_argument("--" + name, required=True)

    parsed, _unknown = parser.parse_known_args(list(args[1:]))
    out = vars(parsed)
    if out.get("TempDir") is not None:
        out["RedshiftTempDir"] = out["TempDir"]
    elif out.get("RedshiftTempDir") is not None:
        out["TempDir"] = out["RedshiftTempDir"]
    if out.get("job_bookmark_option") is None:
        cont = out.get("continuation_option")
        out["job_bookmark_option"] = {"continuation-enabled": "job-bookmark-enable",
                                      "continuation-ignore": "job-bookmark-pause"}.get(cont, "job-bookmark-disable")
    out.pop("continuation_option", None)
    return out
