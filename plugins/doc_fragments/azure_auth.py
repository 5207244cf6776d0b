# -*- coding: utf-8 -*-
# Copyright (c) pgflex.migration contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment(object):
    # The shared authentication options, documented once (argument spec in module_utils/auth.py), and the
    # action group that lets module_defaults set them once for every module that signs in to Azure
    # (meta/runtime.yml).
    DOCUMENTATION = r'''
attributes:
  action_group:
    support: full
    membership:
      - pgflex.migration.azure
    description: Use C(group/pgflex.migration.azure) in O(ignore:module_defaults) to set the auth options once.
options:
  auth_source:
    description:
      - Where the credentials come from.
      - V(auto) tries, in order, the O(profile) option, module options when O(client_id) is set, environment
        variables when E(AZURE_SUBSCRIPTION_ID) and E(AZURE_CLIENT_ID) (or E(AZURE_PROFILE)) are set, the
        C([default]) profile of C(~/.azure/credentials), and finally an C(az login) session when the Azure CLI is
        installed.
      - V(env) reads the environment variables listed under each option.
      - V(credential_file) reads the O(profile) section (default C([default])) of C(~/.azure/credentials), an INI
        file whose keys are these option names, for example C(subscription_id), C(client_id), C(secret), C(tenant).
      - V(msi) uses the managed identity of the Azure host (user-assigned when O(client_id) is set); it needs
        O(subscription_id).
      - V(cli) uses the current C(az login) session; the subscription defaults to C(az account show).
      - Can also be set with E(ANSIBLE_AZURE_AUTH_SOURCE).
    type: str
    choices: [auto, cli, env, credential_file, msi]
    default: auto
  profile:
    description:
      - Section of C(~/.azure/credentials) to read the credentials from.
      - Environment variable E(AZURE_PROFILE).
    type: str
  subscription_id:
    description:
      - The Azure subscription of the target server.
      - Environment variable E(AZURE_SUBSCRIPTION_ID).
    type: str
  client_id:
    description:
      - Application (client) ID of the service principal, or of the user-assigned managed identity with
        O(auth_source=msi).
      - Environment variable E(AZURE_CLIENT_ID).
    type: str
  secret:
    description:
      - Client secret of the service principal.
      - Environment variable E(AZURE_SECRET) or E(AZURE_CLIENT_SECRET).
    type: str
  tenant:
    description:
      - Microsoft Entra tenant (directory) ID.
      - Environment variable E(AZURE_TENANT) or E(AZURE_TENANT_ID).
    type: str
  x509_certificate_path:
    description:
      - Client certificate of the service principal, instead of O(secret).
      - A PEM file holding the certificate and its private key, or a PKCS12 (PFX) file.
      - Environment variable E(AZURE_X509_CERTIFICATE_PATH) or E(AZURE_CLIENT_CERTIFICATE_PATH).
    type: path
  x509_certificate_password:
    description:
      - Password of the private key in O(x509_certificate_path), when it is encrypted.
      - Environment variable E(AZURE_X509_CERTIFICATE_PASSWORD) or E(AZURE_CLIENT_CERTIFICATE_PASSWORD).
    type: str
  thumbprint:
    description:
      - Expected SHA-1 thumbprint (hexadecimal, colons allowed) of the certificate in O(x509_certificate_path).
      - Optional. When set, a PEM certificate whose thumbprint differs is rejected before signing in.
      - Environment variable E(AZURE_THUMBPRINT).
    type: str
  oidc_token:
    description:
      - A federated (OIDC) token to sign in the service principal O(client_id) with workload identity federation.
      - Environment variable E(AZURE_FEDERATED_TOKEN).
    type: str
  oidc_token_file_path:
    description:
      - File holding a federated (OIDC) token, re-read on every sign-in because such tokens rotate; this is what
        the AKS workload identity webhook mounts.
      - Environment variable E(AZURE_FEDERATED_TOKEN_FILE).
    type: path
  cloud_environment:
    description:
      - The Azure cloud, V(AzureCloud), V(AzureChinaCloud) or V(AzureUSGovernment), or for a custom cloud such as
        Azure Stack the https URL of its Resource Manager endpoint or its metadata discovery URL
        (C(https://host/metadata/endpoints?api-version=...)); the Resource Manager URL, sign-in authority and token
        audience are read from it.
      - Environment variable E(AZURE_CLOUD_ENVIRONMENT). Defaults to V(AzureCloud).
    type: str
  cert_validation_mode:
    description:
      - V(ignore) turns off TLS certificate validation of the Azure endpoints. Use only for tests.
      - To trust a private CA, set E(REQUESTS_CA_BUNDLE) instead.
      - Environment variable E(AZURE_CERT_VALIDATION_MODE). Defaults to V(validate).
    type: str
    choices: [validate, ignore]
  disable_instance_discovery:
    description:
      - Skip Microsoft Entra instance discovery (metadata lookup of the authority), needed for private clouds and
        Azure Stack. Always on for a custom O(cloud_environment) URL.
      - Environment variable E(AZURE_DISABLE_INSTANCE_DISCOVERY).
    type: bool
  ad_user:
    description:
      - Not supported. Username/password sign-in cannot pass the multi-factor authentication Microsoft Entra ID
        requires; setting this option fails with an explanation of the alternatives.
    type: str
  password:
    description:
      - Not supported, see O(ad_user).
    type: str
  token_cache:
    description:
      - Keep access tokens in a file between tasks, so that a task signs in only when no cached token has more
        than five minutes left. A task with a cached token makes no sign-in request (cloud metadata, OpenID
        discovery, token), only its API calls.
      - The file is C(~/.azure/pgflex_token_cache.json) on the host that runs the module (or O(token_cache_path)),
        mode C(0600). It holds access tokens and custom clouds' metadata, never secrets, certificates or refresh
        tokens. Delete it to clear the cache. Tasks that miss the cache at once sign in one at a time through a lock
        file beside it (C(<file>.lock)), so they share one sign-in.
      - A file that is corrupt, not owned by the user or readable by others is not used (a warning says why).
      - Not used with O(auth_source=cli), whose C(az login) session has its own cache.
      - Environment variable E(PGFLEX_TOKEN_CACHE).
    type: bool
    default: false
  token_cache_path:
    description:
      - The token cache file to use instead of C(~/.azure/pgflex_token_cache.json); setting it turns the cache on
        (see O(token_cache)).
      - Environment variable E(PGFLEX_TOKEN_CACHE_PATH).
    type: path
requirements:
  - python >= 3.8
  - azure-identity >= 1.16.0
  - azure-core >= 1.30.0
  - azure-mgmt-core >= 1.4.0
notes:
  - Secrets given in options, environment variables or profiles never appear in results or messages.
  - Throttled (HTTP 429) and failed (5xx) requests are retried, honouring C(Retry-After), for up to 120 seconds per
    call before the task fails.
seealso:
  - name: Authentication guide
    description: How to authenticate the pgflex.migration modules, with examples for each credential source.
    link: https://github.com/pgflex/migration/blob/main/docs/auth.md
'''
