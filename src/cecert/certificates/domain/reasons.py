"""Why a verification of a file or a code failed: the stable codes (recorded, the API's and the CLI's
``reason``), the Chinese sentence a page shows and the English an API or CLI answer adds.

Apart from ``verification`` (which re-exports them) so that the models can label a recorded reason
without importing the verification code, which imports the models.
"""

from __future__ import annotations

from cecert.certificates.domain.credential_reasons import CREDENTIAL_REASONS, CREDENTIAL_REASONS_EN

# Why a verification of a file or a code failed: stable codes (recorded, API/CLI ``reason``) and the
# Chinese sentence a page shows.
REASONS: dict[str, str] = {
    "too_large": "文件超过5MB，不是证书PDF文件",
    "not_pdf": "不是PDF文件",
    "unreadable": "PDF文件已损坏或被截断，无法读取",
    "unsigned": "文件没有电子签章（签章已被去除）",
    "extra_signature": "文件含有发证部门签章之外的其他签名",
    "bad_signer_certificate": "签章证书无法读取",
    "digest_mismatch": "签章后文件内容被修改",
    "bad_signature": "签章值无效",
    "modified_after_signing": "签章后文件被追加修改（改写证书信息、叠加内容或表单）",
    "not_whole_file": "签章未覆盖整个文件（签章后附加了其他数据）",
    "untrusted_signer": "签章不是由本平台发证部门密钥签发（非本平台根证书）",
    "validation_error": "签章无法验证",
    "wrong_key": "签章不是该证书发证部门的密钥",
    "content_mismatch": "签章内容与登记的证书不符",
    "unknown_serial": "签章有效但登记簿中无此证书",
    "qr_invalid": "二维码签名无效或内容被修改",
    "qr_unknown_key": "二维码签发密钥未公布",
    "qr_mismatch": "二维码内容与登记证书不符",
}

REASON_EN = {
    "too_large": "over 5 MB, not a certificate PDF",
    "not_pdf": "not a PDF",
    "unreadable": "broken or truncated PDF",
    "unsigned": "no seal",
    "extra_signature": "signatures besides the issuing department's seal",
    "bad_signer_certificate": "unreadable signer certificate",
    "digest_mismatch": "content changed after sealing",
    "bad_signature": "invalid seal",
    "modified_after_signing": "changed after sealing",
    "not_whole_file": "the seal does not cover the whole file",
    "untrusted_signer": "not sealed under the platform root",
    "validation_error": "the seal cannot be validated",
    "wrong_key": "not sealed by the issuing department's key",
    "content_mismatch": "sealed content does not match the register",
    "unknown_serial": "no such serial",
    "qr_invalid": "invalid QR signature",
    "qr_unknown_key": "unknown issuer key",
    "qr_mismatch": "QR does not match the register",
}


# Refusals of uploaded credentials read like the others (ADR 0024).
REASONS.update(CREDENTIAL_REASONS)
REASON_EN.update(CREDENTIAL_REASONS_EN)
