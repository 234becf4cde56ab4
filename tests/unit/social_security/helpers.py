"""Valid test data built from the contracts' own check-digit functions."""

from contracts.codes import resident_id_check_char


def resident_id(district: str = "420111", born: str = "19900307", seq: str = "123") -> str:
    first17 = f"{district}{born}{seq}"
    return first17 + resident_id_check_char(first17)


def broken_resident_id(**kwargs) -> str:
    good = resident_id(**kwargs)
    wrong = "0" if good[-1] != "0" else "1"
    return good[:-1] + wrong
