"""Why an uploaded credential (ADR 0024) was refused: stable codes, the Chinese sentence a page shows
(naming the part of the credential at fault) and the English an API or CLI answer adds.

Kept apart from ``reasons.REASONS``, which takes these in, so that the public verification code
can move without this list and the list without it.
"""

from __future__ import annotations

CREDENTIAL_REASONS: dict[str, str] = {
    "vc_too_large": "电子凭证文件超过64KB，不是本平台的电子凭证",
    "vc_not_utf8": "电子凭证文件的文字编码无效（须为UTF-8）",
    "vc_not_credential": "不是电子凭证文件（格式无法识别）",
    "vc_bad_json": "电子凭证内容的数据格式无效（格式错误、字段名重复或嵌套过深）",
    "vc_unsigned": "电子凭证没有签名，无法验证",
    "vc_bad_algorithm": "电子凭证的签名算法不是本平台使用的算法，签名不可信",
    "vc_bad_header": "电子凭证签名头部的类型或扩展字段不符合要求",
    "vc_no_key": "电子凭证签名头部未注明签名密钥",
    "vc_unknown_key": "电子凭证的签名密钥不是本平台公布的发证部门密钥",
    "vc_bad_signature": "电子凭证签名无效或签名后内容被修改",
    "vc_schema": "电子凭证内容不符合开放徽章3.0规范",
    "vc_wrong_issuer": "电子凭证声称的发证部门与签名密钥所属的部门不符",
    "vc_key_retired": "电子凭证在签名密钥停用之后签发",
    "vc_expired": "电子凭证已超过有效期",
    "vc_not_yet_valid": "电子凭证尚未生效",
    "vc_status_mismatch": "电子凭证的撤销状态列表位置与登记不符",
}

CREDENTIAL_REASONS_EN: dict[str, str] = {
    "vc_too_large": "over 64 KB, not a credential of ours",
    "vc_not_utf8": "not UTF-8 text",
    "vc_not_credential": "neither JSON nor a compact JWS",
    "vc_bad_json": "invalid JSON (syntax, duplicate keys or nesting too deep)",
    "vc_unsigned": "no signature (no enveloped credential in the JSON)",
    "vc_bad_algorithm": "header alg is not ES256",
    "vc_bad_header": "header typ or crit not accepted",
    "vc_no_key": "header kid missing",
    "vc_unknown_key": "kid is not a published issuer key",
    "vc_bad_signature": "invalid signature or changed after signing",
    "vc_schema": "does not validate against the Open Badges 3.0 schema",
    "vc_wrong_issuer": "issuer is not the department of the signing key",
    "vc_key_retired": "signed after the key was retired",
    "vc_expired": "validUntil has passed",
    "vc_not_yet_valid": "validFrom is in the future",
    "vc_status_mismatch": "credentialStatus does not match the register",
}
