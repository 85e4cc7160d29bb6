"""A pysiaalarm receiver for the side-by-side benchmark: one account per simulated device
(plain, no key), events counted and dropped. Usage: pysia_server.py PORT DEVICES ACCOUNT_BASE_HEX [tcp|udp]"""
import asyncio
import logging
import os
import sys

from pysiaalarm import SIAAccount
from pysiaalarm.aio import SIAClient
from pysiaalarm.utils import CommunicationsProtocol

if os.environ.get("PYSIA_DEBUG"):
    logging.basicConfig(level=logging.DEBUG)

port, devices, base = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3], 16)
protocol = CommunicationsProtocol.UDP if sys.argv[4:] == ["udp"] else CommunicationsProtocol.TCP
accounts = [SIAAccount(f"{base + i:X}", None) for i in range(devices)]
events = 0


async def on_event(event):
    global events
    events += 1


async def main():
    async with SIAClient("127.0.0.1", port, accounts, function=on_event, protocol=protocol):
        print("ready", flush=True)
        while True:
            await asyncio.sleep(3600)


asyncio.run(main())
