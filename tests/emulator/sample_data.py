"""Realistic sample databases for the sandbox and the tests: several schemas, foreign keys, sequences, views, an
allowed extension and a few MB of rows each (generated server-side, so seeding takes seconds)."""

GOOD_DATABASES = ('shop', 'hr', 'analytics')
BAD_DATABASE = 'legacy_fdw'  # uses postgres_fdw, which is not on the target's azure.extensions allow-list
SINGLE_SERVER_DATABASES = ('payments',)  # the sandbox's Single Server source (names distinct from the other source's)

ROLES = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_owner') THEN CREATE ROLE app_owner NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_reader') THEN CREATE ROLE app_reader NOLOGIN; END IF;
END $$;
"""

SHOP = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE SCHEMA sales; CREATE SCHEMA inventory;
CREATE TABLE inventory.products (product_id serial PRIMARY KEY, sku text UNIQUE NOT NULL, name text NOT NULL,
  price numeric(10,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX products_name_trgm ON inventory.products USING gin (name gin_trgm_ops);
CREATE TABLE inventory.stock (product_id int PRIMARY KEY REFERENCES inventory.products, quantity int NOT NULL);
CREATE TABLE sales.customers (customer_id bigserial PRIMARY KEY, email text UNIQUE NOT NULL, full_name text NOT NULL,
  country char(2) NOT NULL);
CREATE SEQUENCE sales.invoice_no START 100000;
CREATE TABLE sales.orders (order_id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES sales.customers,
  invoice_no bigint NOT NULL DEFAULT nextval('sales.invoice_no'), ordered_at timestamptz NOT NULL, status text NOT NULL);
CREATE TABLE sales.order_items (order_id bigint REFERENCES sales.orders, line int, product_id int REFERENCES inventory.products,
  quantity int NOT NULL, PRIMARY KEY (order_id, line));
INSERT INTO inventory.products (sku, name, price, created_at)
  SELECT 'SKU-' || g, 'Product ' || md5(g::text), (g % 500) + 0.99, timestamptz '2024-01-01' + g * interval '1 minute'
  FROM generate_series(1, 2000) g;
INSERT INTO inventory.stock SELECT product_id, product_id % 97 FROM inventory.products;
INSERT INTO sales.customers (email, full_name, country)
  SELECT 'customer' || g || '@example.com', 'Customer ' || md5(g::text), (ARRAY['US','DE','FR','JP','BR'])[g % 5 + 1]
  FROM generate_series(1, 10000) g;
INSERT INTO sales.orders (customer_id, ordered_at, status)
  SELECT g % 10000 + 1, timestamptz '2025-01-01' + g * interval '7 minutes', (ARRAY['new','paid','shipped'])[g % 3 + 1]
  FROM generate_series(1, 20000) g;
INSERT INTO sales.order_items SELECT o, l, (o * l) % 2000 + 1, l FROM generate_series(1, 20000) o, generate_series(1, 2) l;
CREATE VIEW sales.order_totals AS SELECT o.order_id, sum(i.quantity * p.price) AS total
  FROM sales.orders o JOIN sales.order_items i USING (order_id) JOIN inventory.products p USING (product_id) GROUP BY o.order_id;
GRANT USAGE ON SCHEMA sales TO app_reader; GRANT SELECT ON ALL TABLES IN SCHEMA sales TO app_reader;
"""

HR = """
CREATE EXTENSION IF NOT EXISTS citext;
CREATE SCHEMA people; CREATE SCHEMA payroll;
CREATE TABLE people.departments (department_id serial PRIMARY KEY, name text UNIQUE NOT NULL);
CREATE TABLE people.employees (employee_id serial PRIMARY KEY, email citext UNIQUE NOT NULL, department_id int NOT NULL
  REFERENCES people.departments, manager_id int REFERENCES people.employees, hired_on date NOT NULL, bio text);
CREATE TABLE payroll.salaries (employee_id int REFERENCES people.employees, valid_from date, amount numeric(12,2) NOT NULL,
  PRIMARY KEY (employee_id, valid_from));
INSERT INTO people.departments (name) SELECT 'Department ' || g FROM generate_series(1, 40) g;
INSERT INTO people.employees (email, department_id, manager_id, hired_on, bio)
  SELECT 'Employee' || g || '@Example.com', g % 40 + 1, NULLIF(g / 10, 0), date '2010-01-01' + g % 5000, repeat(md5(g::text), 4)
  FROM generate_series(1, 8000) g;
INSERT INTO payroll.salaries SELECT e, date '2020-01-01' + y * 365, 40000 + (e * 37 + y * 1000) % 60000
  FROM generate_series(1, 8000) e, generate_series(0, 4) y;
CREATE VIEW people.headcount AS SELECT d.name, count(*) FROM people.employees e JOIN people.departments d USING (department_id)
  GROUP BY d.name;
"""

ANALYTICS = """
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE SCHEMA raw; CREATE SCHEMA reporting;
CREATE TABLE raw.sources (source_id smallserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE raw.events (event_id bigserial PRIMARY KEY, source_id smallint NOT NULL REFERENCES raw.sources,
  happened_at timestamptz NOT NULL, kind text NOT NULL, attributes hstore);
INSERT INTO raw.sources (name) SELECT 'source-' || g FROM generate_series(1, 12) g;
INSERT INTO raw.events (source_id, happened_at, kind, attributes)
  SELECT g % 12 + 1, timestamptz '2025-06-01' + g * interval '1 second', (ARRAY['view','click','buy'])[g % 3 + 1],
         hstore(ARRAY['session', md5(g::text), 'page', '/p/' || (g % 300)])
  FROM generate_series(1, 40000) g;
CREATE TABLE reporting.daily (day date PRIMARY KEY, events bigint NOT NULL);
INSERT INTO reporting.daily SELECT happened_at::date, count(*) FROM raw.events GROUP BY 1;
CREATE MATERIALIZED VIEW reporting.by_kind AS SELECT kind, count(*) AS n FROM raw.events GROUP BY kind;
CREATE VIEW reporting.recent AS SELECT * FROM raw.events WHERE happened_at > timestamptz '2025-06-01 10:00';
"""

LEGACY = """
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
CREATE SCHEMA legacy;
CREATE TABLE legacy.accounts (account_id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO legacy.accounts (name) SELECT 'account ' || g FROM generate_series(1, 500) g;
"""

PAYMENTS = """
CREATE SCHEMA ledger;
CREATE TABLE ledger.accounts (account_id serial PRIMARY KEY, iban text UNIQUE NOT NULL, holder text NOT NULL);
CREATE TABLE ledger.transfers (transfer_id bigserial PRIMARY KEY, account_id int NOT NULL REFERENCES ledger.accounts,
  amount numeric(12,2) NOT NULL, booked_at timestamptz NOT NULL);
INSERT INTO ledger.accounts (iban, holder) SELECT 'DE' || lpad(g::text, 20, '0'), 'Holder ' || g FROM generate_series(1, 1000) g;
INSERT INTO ledger.transfers (account_id, amount, booked_at)
  SELECT g % 1000 + 1, (g % 997) - 400.5, timestamptz '2024-03-01' + g * interval '3 minutes' FROM generate_series(1, 15000) g;
"""

SCRIPTS = {'shop': SHOP, 'hr': HR, 'analytics': ANALYTICS, BAD_DATABASE: LEGACY, 'payments': PAYMENTS}


def seed(cluster, databases=None):
    """Create the sample databases on a PgCluster (skips those that already exist)."""
    cluster.psql(ROLES)
    existing = set(cluster.psql('SELECT datname FROM pg_database').split())
    for name in databases or GOOD_DATABASES + (BAD_DATABASE,):
        if name in existing:
            continue
        cluster.psql('CREATE DATABASE %s' % name)
        cluster.psql('BEGIN;\n%s\nCOMMIT;' % SCRIPTS[name], dbname=name)
        cluster.psql('VACUUM ANALYZE', dbname=name)
