"""A strategy-like script: prints a line every few seconds, as trading strategies do."""
import random
import time

price = 100.0
tick = 0
while True:
    price *= 1 + random.gauss(0, 0.001)
    tick += 1
    signal = "BUY" if price < 99.5 else "SELL" if price > 100.5 else "HOLD"
    print(f"tick {tick} price {price:.2f} signal {signal}", flush=True)
    time.sleep(3)
