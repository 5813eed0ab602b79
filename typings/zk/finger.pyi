# Stub for pyzk 0.9's zk.finger.
class Finger:
    size: int
    uid: int
    fid: int
    valid: int
    template: bytes
    def __init__(self, uid: int, fid: int, valid: int, template: bytes) -> None: ...
    def repack(self) -> bytes: ...
    def repack_only(self) -> bytes: ...
