# tests import the trainer modules as top-level names, like the scripts do
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
