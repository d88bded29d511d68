"""Errors that are part of the contract: the CLI turns `InputError` into exit code 2."""


class InputError(Exception):
    """The user's input cannot be used (bad range, not a repository, unreadable diff).

    The message is one line saying what is wrong and how to fix it.
    """
