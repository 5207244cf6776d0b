"""Validate response bodies against the copied OpenAPI contract (spec/Migrations.json).

The spec's two external references (common-types TrackedResource and ErrorResponse) are replaced by local
equivalents of the common-types v6 shapes."""

import json
import os
import re

import jsonschema

from .api_versions import lookup

SPEC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'spec')
COMMON = '../../../../../common-types/resource-management/v6/types.json#/definitions/'

SYSTEM_DATA = {'type': 'object', 'properties': {
    'createdBy': {'type': 'string'}, 'createdByType': {'enum': ['User', 'Application', 'ManagedIdentity', 'Key']},
    'createdAt': {'type': 'string'}, 'lastModifiedBy': {'type': 'string'},
    'lastModifiedByType': {'enum': ['User', 'Application', 'ManagedIdentity', 'Key']}, 'lastModifiedAt': {'type': 'string'}}}
TRACKED_RESOURCE = {'type': 'object', 'required': ['location'], 'properties': {
    'id': {'type': 'string'}, 'name': {'type': 'string'}, 'type': {'type': 'string'}, 'systemData': SYSTEM_DATA,
    'tags': {'type': 'object', 'additionalProperties': {'type': 'string'}}, 'location': {'type': 'string'}}}
ERROR_DETAIL = {'type': 'object', 'additionalProperties': False, 'properties': {
    'code': {'type': 'string'}, 'message': {'type': 'string'}, 'target': {'type': 'string'},
    'details': {'type': 'array', 'items': {'$ref': '#/definitions/_ErrorDetail'}},
    'additionalInfo': {'type': 'array', 'items': {'type': 'object', 'properties': {'type': {'type': 'string'}, 'info': {'type': 'object'}}}}}}
ERROR_RESPONSE = {'type': 'object', 'additionalProperties': False, 'properties': {'error': {'$ref': '#/definitions/_ErrorDetail'}}}


def load_spec():
    with open(os.path.join(SPEC_DIR, 'Migrations.json'), encoding='utf-8') as handle:
        text = handle.read()
    text = text.replace(COMMON + 'TrackedResource', '#/definitions/_TrackedResource')
    text = text.replace(COMMON + 'ErrorResponse', '#/definitions/_ErrorResponse')
    spec = json.loads(text)
    spec['definitions'].update(_TrackedResource=TRACKED_RESOURCE, _ErrorResponse=ERROR_RESPONSE, _ErrorDetail=ERROR_DETAIL)
    return spec


def _path_regex(template):
    return re.compile('^' + re.sub(r'\\\{[^}]+\\\}', '[^/]+', re.escape(template)) + '$', re.IGNORECASE)


class SpecChecker:
    """`check(method, path, status, body)` raises jsonschema.ValidationError when a body breaks the contract."""

    def __init__(self):
        self.spec = load_spec()
        self._paths = [(_path_regex(p), ops) for p, ops in self.spec['paths'].items()]

    def operation(self, method, path):
        for regex, ops in self._paths:
            if regex.match(path):
                return ops.get(method.lower())
        return None

    def schema_for(self, method, path, status):
        """The response schema, or None when the operation is outside the spec or the status has no body."""
        operation = self.operation(method, path)
        if operation is None:
            return None
        responses = operation['responses']
        response = responses.get(str(status)) or (responses.get('default') if status >= 400 else None)
        if response is None:
            raise jsonschema.ValidationError('status %d is not a documented response of %s %s' % (status, method, path))
        return response.get('schema')

    def check(self, method, path, status, body, api_version=None):
        found = lookup(api_version) if api_version else None
        if found is not None and found.delete_deletes and method.upper() == 'DELETE':
            return False  # Migrations_Delete (2025-01-01-preview and older): 200/204 without a schema
        schema = self.schema_for(method, path, status)
        if schema is None:
            return False
        if body is None:
            raise jsonschema.ValidationError('%s %s answered %d without the body the spec requires' % (method, path, status))
        jsonschema.validate(body, dict(schema, definitions=self.spec['definitions']))
        return True

    def check_request(self, operation_id, body):
        """Validate a request body against an operation's body parameter schema."""
        for ops in self.spec['paths'].values():
            for operation in ops.values():
                if operation.get('operationId') == operation_id:
                    for param in operation.get('parameters', []):
                        if param.get('in') == 'body':
                            jsonschema.validate(body, dict(param['schema'], definitions=self.spec['definitions']))
                    return
        raise KeyError(operation_id)
