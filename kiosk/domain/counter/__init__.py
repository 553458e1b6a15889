"""The counter: staff accounts and their sessions, what staff do for a person at the desk
(register, suspend, resume, a device code), the sealed audit log, an employer's batch
registration from one file, and loading the registry.

Imports only the shared basics in ``kiosk.domain`` (and the store and reader below them);
never another workflow: the desk reaches registration and the devices through the small
interfaces it declares, which the composition root (kiosk/wiring.py) fills."""
