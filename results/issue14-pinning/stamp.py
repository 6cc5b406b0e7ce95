import sys, time
for line in sys.stdin:
    print(f"{time.monotonic():.6f} {line}", end="", flush=True)
