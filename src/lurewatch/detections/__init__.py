"""The detection catalogue: one file per detection (or small family), each with its examples.

File names start with the channel: email_*, url_*, net_*, proc_*, voice_*, chat_*.
Each module defines DETECTIONS, a list of Detection objects (see base.py).
"""
