"""Black-box API tests for glued (boto3, the AWS CLI, raw HTTP). See harness.py."""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)
