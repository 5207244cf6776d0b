"""Single Server sources: the ARM resource, a migration given its resource ID (login 'user@servername', VerifyFull by
default against a real TLS cluster), the TLS rule and an unknown resource ID."""

import pytest
import requests
from azure.core.exceptions import HttpResponseError

from emulator import sample_data, single_server_setup
from emulator.launcher import start_emulator
from emulator.tls import CertificateAuthority
from pgcluster import PgCluster

from .conftest import RESOURCE_GROUP, state, substate, wait_terminal

NAME = 'legacy-single'
ADMIN = 'pgadmin'


@pytest.fixture(scope='module')
def single(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp('single-tls'))
    authority = CertificateAuthority('test single server CA')
    cert, key = single_server_setup.certificate(authority, directory, NAME)
    cluster = PgCluster.start(name='single', ssl_cert_file=cert, ssl_key_file=key)
    single_server_setup.create_admin_login(cluster, NAME, ADMIN)
    sample_data.seed(cluster, sample_data.SINGLE_SERVER_DATABASES)
    yield cluster, authority.write(directory, 'ca')
    cluster.stop()


@pytest.fixture(scope='module')
def single_emu(single, target):
    cluster, ca = single
    handle = start_emulator(servers=[{'name': 'sstarget%d' % i, 'cluster': target} for i in range(4)], resource_group=RESOURCE_GROUP,
                            source_ca_file=ca, settings={'step_delay_seconds': 0.02},
                            single_servers=[single_server_setup.config_entry(cluster, NAME, ADMIN, RESOURCE_GROUP)])
    yield handle
    handle.stop()


def arm_id(emu, name=NAME):
    return '/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DBforPostgreSQL/servers/%s' % (emu.subscription_id, RESOURCE_GROUP, name)


def body(emu, cluster, target, **props):
    properties = {'sourceDbServerResourceId': arm_id(emu), 'dbsToMigrate': ['payments'], 'overwriteDbsInTarget': 'True',
                  'secretParameters': {'adminCredentials': {'sourceServerPassword': cluster.password,
                                                            'targetServerPassword': target.password}}}
    properties.update(props)
    return {'location': 'eastus', 'properties': properties}


def test_single_server_resource_is_served(single_emu):
    token = single_emu.credential().get_token(single_emu.url + '/.default').token
    url = single_emu.url + arm_id(single_emu) + '?api-version=2017-12-01'
    answer = requests.get(url, headers={'Authorization': 'Bearer ' + token}, verify=single_emu.ca_file, timeout=30)
    assert answer.status_code == 200
    server = answer.json()
    assert server['type'] == 'Microsoft.DBforPostgreSQL/servers' and server['properties']['administratorLogin'] == ADMIN
    assert server['properties']['fullyQualifiedDomainName'] == NAME + '.postgres.database.azure.com'
    missing = requests.get(url.replace(NAME, 'nope'), headers={'Authorization': 'Bearer ' + token}, verify=single_emu.ca_file, timeout=30)
    assert missing.status_code == 404 and missing.json()['error']['code'] == 'ResourceNotFound'


def test_migration_from_single_server_by_resource_id(single_emu, single, target):
    cluster, dummy = single
    client = single_emu.mgmt_client()
    created = client.migrations.create(RESOURCE_GROUP, 'sstarget0', 'from-single',
                                       body(single_emu, cluster, target, migrationOption='ValidateAndMigrate')).as_dict()
    assert created['properties']['sourceType'] == 'PostgreSQLSingleServer' and created['properties']['sslMode'] == 'VerifyFull'
    done = wait_terminal(client, 'sstarget0', 'from-single')
    assert state(done) == 'Succeeded', done['properties']['currentStatus']
    count = 'SELECT count(*) FROM ledger.transfers'
    assert target.psql(count, dbname='payments') == cluster.psql(count, dbname='payments')


@pytest.mark.parametrize('mode', ['Prefer', 'Require'])
def test_single_server_refuses_weak_ssl_modes(single_emu, single, target, mode):
    cluster, dummy = single
    client = single_emu.mgmt_client()
    with pytest.raises(HttpResponseError) as refused:
        client.migrations.create(RESOURCE_GROUP, 'sstarget1', 'weak-%s' % mode.lower(), body(single_emu, cluster, target, sslMode=mode))
    assert refused.value.status_code == 400
    assert "SSL mode '%s' is not supported for a source of type 'PostgreSQLSingleServer'" % mode in refused.value.message
    assert list(client.migrations.list_by_target_server(RESOURCE_GROUP, 'sstarget1', migration_list_filter='All')) == []


def test_wrong_password_names_the_single_server_login(single_emu, single, target):
    cluster, dummy = single
    client = single_emu.mgmt_client()
    wrong = body(single_emu, cluster, target, migrationOption='Validate')
    wrong['properties']['secretParameters']['adminCredentials']['sourceServerPassword'] = 'not-the-password'
    client.migrations.create(RESOURCE_GROUP, 'sstarget2', 'bad-login', wrong)
    done = wait_terminal(client, 'sstarget2', 'bad-login')
    assert state(done) == 'ValidationFailed'
    message = done['properties']['currentStatus']['currentSubStateDetails']['validationDetails']['serverLevelValidationDetails'][0][
        'messages'][0]['message']
    assert "as user '%s@%s'" % (ADMIN, NAME) in message and 'not-the-password' not in message


def test_unknown_single_server_fails_validation(single_emu, single, target):
    cluster, dummy = single
    client = single_emu.mgmt_client()
    unknown = body(single_emu, cluster, target, migrationOption='Validate', sourceDbServerResourceId=arm_id(single_emu, 'nope'))
    client.migrations.create(RESOURCE_GROUP, 'sstarget3', 'unknown-single', unknown)
    done = wait_terminal(client, 'sstarget3', 'unknown-single')
    assert state(done) == 'ValidationFailed' and substate(done) == 'Completed'
    message = done['properties']['currentStatus']['currentSubStateDetails']['validationDetails']['serverLevelValidationDetails'][0][
        'messages'][0]['message']
    assert 'no Single Server with this resource ID exists' in message
