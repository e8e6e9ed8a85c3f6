"""The guard: turns confirmed detections into incidents, alerts, stored clips and a siren.

Everything here is Home-Assistant-free; ``custom_components/earshot/guard.py`` wires it
to the event loop, notifications and the media browser.
"""
