"""The deployed shape rehearsed on this machine (make rehearse): see rehearsal.py."""
