"""The claims the test provider hands out: the person's employee number and mobile, as a
government platform's unified identity does (kept here in last_name and email, the test
provider's own user model has no other place)."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below for every scope

    def get_additional_claims(self, request):
        return {
            "employee_number": request.user.last_name,
            "mobile": request.user.email,
            "name": request.user.first_name,
        }
