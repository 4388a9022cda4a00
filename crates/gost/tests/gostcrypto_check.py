#!/usr/bin/env python3
"""Independent check of Kazakh-byte-order GOST signatures with PyPI's `gostcrypto` (pure Python).

Reads JSON lines on stdin, one signature each:

    {"curve": "tc26-512-A", "digest_hex": "...", "public_le_hex": "...", "signature_le_hex": "..."}

- curve: tc26-512-A, tc26-256-A or CryptoPro-A (the names of tekseru_gost::Curve), or one of
  their OIDs (1.2.398.3.10.1.1.2.2.1, 1.2.398.3.10.1.1.1.1.1, 1.2.643.7.1.2.1.2.1, ...);
- digest_hex: the hash output as the hash function gives it (read as a little-endian integer);
- public_le_hex: x||y, each little-endian (the OCTET STRING of a Kazakh SubjectPublicKeyInfo);
- signature_le_hex: r||s, each little-endian (a Kazakh signatureValue / CMS signature).

Prints one line per input line: "ok" if gostcrypto verifies the signature, else "fail" followed by
the reason. gostcrypto is big-endian throughout, so it is called as
verify(x_BE||y_BE, reversed(digest), reversed(r_LE)||reversed(s_LE)).
Exits 0 when every line is ok, 1 otherwise.
"""

import json
import sys

from gostcrypto import gostsignature

CURVES = gostsignature.CURVES_R_1323565_1_024_2019
# Our names and OIDs -> (gostcrypto parameter set, mode). CryptoPro-A is TC 26's 256-paramSetB.
TABLE = {
    "tc26-512-A": ("id-tc26-gost-3410-12-512-paramSetA", gostsignature.MODE_512),
    "tc26-256-A": ("id-tc26-gost-3410-2012-256-paramSetA", gostsignature.MODE_256),
    "CryptoPro-A": ("id-tc26-gost-3410-2012-256-paramSetB", gostsignature.MODE_256),
}
ALIASES = {
    "1.2.643.7.1.2.1.2.1": "tc26-512-A",
    "1.2.398.3.10.1.1.2.2.1": "tc26-512-A",
    "1.2.643.7.1.2.1.1.1": "tc26-256-A",
    "1.2.643.2.2.35.1": "CryptoPro-A",
    "1.2.643.2.2.36.0": "CryptoPro-A",
    "1.2.643.7.1.2.1.1.2": "CryptoPro-A",
    "1.2.398.3.10.1.1.1.1.1": "CryptoPro-A",
}


def check(line):
    item = json.loads(line)
    name = ALIASES.get(item["curve"], item["curve"])
    if name not in TABLE:
        return "fail unknown curve " + item["curve"]
    params, mode = TABLE[name]
    size = 64 if mode == gostsignature.MODE_512 else 32
    digest = bytes.fromhex(item["digest_hex"])
    public = bytes.fromhex(item["public_le_hex"])
    signature = bytes.fromhex(item["signature_le_hex"])
    if len(digest) != size or len(public) != 2 * size or len(signature) != 2 * size:
        return "fail wrong length"
    public_be = public[:size][::-1] + public[size:][::-1]
    signature_be = signature[:size][::-1] + signature[size:][::-1]
    signer = gostsignature.new(mode, CURVES[params])
    if signer.verify(bytearray(public_be), bytearray(digest[::-1]), bytearray(signature_be)):
        return "ok"
    return "fail signature does not verify"


def main():
    all_ok = True
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = check(line)
        except Exception as error:  # a malformed line is a failed line, not a crash
            result = "fail " + repr(error)
        all_ok = all_ok and result == "ok"
        print(result, flush=True)
    sys.exit(0 if all_ok else 1)


if __name__ == "__main__":
    main()
