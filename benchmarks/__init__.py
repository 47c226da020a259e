"""tfgan's measurement harness, driven by bin/benchmark.py: throughput against a plain loop and
PyTorch (`throughput`, `torch_reference`) and seconds of training to a sample quality
(`time_to_quality`).

Not part of the installed package: it imports tfgan as a user would, and torch only where asked to.
"""
