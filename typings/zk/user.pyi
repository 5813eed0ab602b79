# Stub for pyzk 0.9's zk.user.
class User:
    uid: int
    name: str
    privilege: int
    password: str
    group_id: str
    user_id: str
    card: int
    def __init__(
        self,
        uid: int,
        name: str,
        privilege: int,
        password: str = ...,
        group_id: str = ...,
        user_id: str = ...,
        card: int = ...,
    ) -> None: ...
