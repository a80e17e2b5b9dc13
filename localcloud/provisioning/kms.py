"""KMS keys (stored; the emulator encrypts nothing with them)."""

from localcloud.provisioning.core import EmulatorMocks, Properties, handles


@handles("aws:kms/key:Key")
def _key(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    optional = {"Policy": inputs.get("policy"), "Description": inputs.get("description")}
    key = mocks.client("kms").create_key(**{k: v for k, v in optional.items() if v})["KeyMetadata"]
    if inputs.get("enableKeyRotation"):
        mocks.client("kms").enable_key_rotation(KeyId=key["KeyId"])
    return key["KeyId"], {"keyId": key["KeyId"], "arn": key["Arn"]}
