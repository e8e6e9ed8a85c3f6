"""Sound events: smoke/CO alarms, glass break, dog bark and more, from any microphone.

Log-mel features, a streaming stage-1 model, per-sound temporal logic, a stage-2
verifier and a noise-adaptive sensitivity, assembled by :mod:`.detector`.
"""
