# cvchat recipes. `just` lists them. The venv is .venv (created by `just install`).

set dotenv-load := false

venv := ".venv"
bin := venv + "/bin"

default:
    @just --list

# Create .venv and install cvchat with the test tools.
install:
    test -x {{bin}}/python || python3 -m venv {{venv}}
    {{bin}}/pip install -q -e '.[test]'

# Start the service under Granian (SQLite and the offline provider unless the environment says otherwise).
serve: install
    {{bin}}/cvchat serve --migrate

# Bring the database (DATABASE_URL) to the latest schema.
migrate: install
    {{bin}}/cvchat migrate

# Run the whole suite (PostgreSQL tests are skipped when it is unreachable, required when CI=true).
test *ARGS: install
    {{bin}}/pytest {{ARGS}}

# Lint, check formatting and the layering contracts.
lint: install
    {{bin}}/ruff check .
    {{bin}}/ruff format --check .
    {{bin}}/lint-imports

# Format the code.
fmt: install
    {{bin}}/ruff format .
    {{bin}}/ruff check --fix .

# Generate synthetic CVs (JSON + PDF): just gen-cvs 30 7 var/generated
gen-cvs n="30" seed="7" out="var/generated": install
    {{bin}}/python -m cv_generation --n {{n}} --seed {{seed}} --out {{out}}

# Ingest CV PDFs (files or folders) into the database.
ingest *PATHS: install
    {{bin}}/cvchat ingest {{PATHS}}

# Search the ingested CVs: just search "who speaks German fluently?"
search *QUERY: install
    {{bin}}/cvchat search {{QUERY}}

# The search evaluation: recall@10, MRR@10, nDCG@10 by language and kind, hybrid vs BM25.
eval *ARGS: install
    {{bin}}/python -m cv_generation.evaluate {{ARGS}}

# Benchmarks (loopback, docs/benchmarks.md): the service over HTTP/SSE, then 10,000 CVs ingested and searched.
bench *ARGS: install
    {{bin}}/python -m bench {{ARGS}}
    {{bin}}/python -m bench.cvs --n 10000
