"""The one exception type the tooling raises, mapped to an exit code in main()."""


class ZsdError(Exception):
    """A failure the user can act on: one clear message and an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# Exit codes, so scripts can tell failures apart (virtme-ng style).
EXIT_FAIL = 1          # generic failure, a guest command that failed
EXIT_USAGE = 2         # bad arguments, missing privileges for `deps`
EXIT_GUEST_PANIC = 3   # the guest kernel panicked or oopsed
EXIT_GUEST_TIMEOUT = 4  # the guest did not finish in time
EXIT_NO_OUTPUT = 5     # the guest printed nothing (e.g. a KVM that does not run)
EXIT_BUSY_HOST = 6     # compare: a boot ran while the rest of the host was busy
