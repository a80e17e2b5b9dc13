"""IAM roles and their inline policies (stored; moto evaluates none)."""

from localcloud.provisioning.core import EmulatorMocks, Properties, handles


@handles("aws:iam/role:Role")
def _role(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    role_name = mocks.physical_name(name, inputs, 64)
    role = mocks.client("iam").create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=inputs["assumeRolePolicy"],
        Description=inputs.get("description", ""),
    )["Role"]
    return role_name, {"name": role_name, "arn": role["Arn"], "uniqueId": role["RoleId"]}


@handles("aws:iam/rolePolicy:RolePolicy")
def _role_policy(mocks: EmulatorMocks, name: str, inputs: Properties) -> tuple[str, Properties]:
    policy_name = mocks.physical_name(name, inputs, 128)
    mocks.client("iam").put_role_policy(
        RoleName=inputs["role"], PolicyName=policy_name, PolicyDocument=inputs["policy"]
    )
    return f"{inputs['role']}:{policy_name}", {"name": policy_name}
