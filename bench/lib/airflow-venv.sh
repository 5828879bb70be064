#!/usr/bin/env bash
# Create (once) a Python virtualenv holding Apache Airflow 3, the peer that
# Sluice's benchmarks compare against.
#
# Usage: bench/lib/airflow-venv.sh [EXTRA_PIP_REQUIREMENT ...]
#
#   Prints the path of the venv's python interpreter on stdout, and nothing
#   else, so a caller can write:   py="$(bench/lib/airflow-venv.sh)"
#   Progress goes to stderr.
#
#   Extra arguments are pip requirement specifiers installed next to Airflow
#   (a provider, a driver... whatever a later benchmark needs). They are part
#   of the "already installed" check, so adding one triggers an incremental
#   install into the same venv.
#
# Environment:
#   AIRFLOW_VENV         where the venv lives   (default: bench/.venv, gitignored)
#   AIRFLOW_VERSION      apache-airflow version (default: 3.3.2, the tested one)
#   AIRFLOW_PYTHON       interpreter that creates the venv (default: python3)
#   AIRFLOW_CONSTRAINTS  1 (default) installs the tested dependency set below;
#                        0 lets pip resolve freely
#   AIRFLOW_VENV_FORCE=1 reinstall even when the venv looks up to date
#
# Airflow's documented install uses a constraints file hosted on GitHub, which
# this machine cannot reach. A plain `pip install apache-airflow==3.3.2` from
# PyPI resolves and works without any pin (checked with Python 3.11, pip 26),
# but a future release of any dependency could change that. So the versions
# that resolve gave on the day this was written are kept below as our own
# constraints: the same working set every time, without GitHub. They only
# apply to the default AIRFLOW_VERSION; extra requirements that conflict with
# them need AIRFLOW_CONSTRAINTS=0 (or an updated list: `pip freeze` the venv).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench_dir="$(dirname "$here")"

VENV="${AIRFLOW_VENV:-$bench_dir/.venv}"
TESTED_VERSION=3.3.2
AIRFLOW_VERSION="${AIRFLOW_VERSION:-$TESTED_VERSION}"
PYTHON="${AIRFLOW_PYTHON:-python3}"

# `pip freeze` of a working apache-airflow 3.3.2 venv (Python 3.11), minus
# apache-airflow itself and pip's own tools.
TESTED_SET="
    a2wsgi==1.10.10 aiosmtplib==5.1.3 aiosqlite==0.22.1 alembic==1.20.1 annotated-doc==0.0.7
    annotated-types==0.8.0 anyio==4.16.0 apache-airflow-core==3.3.2
    apache-airflow-providers-common-compat==1.23.0 apache-airflow-providers-common-io==1.11.0
    apache-airflow-providers-common-sql==2.4.0 apache-airflow-providers-smtp==3.2.0
    apache-airflow-providers-standard==1.21.0 apache-airflow-task-sdk==1.3.2 argcomplete==3.7.2
    arrow==1.4.0 asgiref==3.13.0 attrs==26.1.0 babel==2.19.0 cachetools==8.0.2 cadwyn==7.0.0
    certifi==2026.10.19.post1 cffi==2.1.1 charset-normalizer==3.5.3 click==8.5.1
    colorlog==6.12.0 cron_descriptor==2.2.1 croniter==7.0.0 cryptography==50.0.2
    Deprecated==1.3.1 dill==0.4.1 dnspython==2.9.2 email-validator==2.4.0 fastapi==0.136.3
    fastapi-cli==0.0.34 fsspec==2026.9.0 googleapis-common-protos==1.76.0 greenback==1.3.0
    greenlet==3.5.6 grpcio==1.85.3 h11==0.16.0 httpcore==1.0.9 httptools==0.9.0 httpx==0.28.1
    idna==3.20 importlib_metadata==10.2.0 isoduration==20.11.0 itsdangerous==2.2.0
    Jinja2==3.1.6 jsonschema==4.26.0 jsonschema-specifications==2025.9.1 lazy-importer==0.1.0
    lazy-object-proxy==1.13.0 libcst==1.9.0 linkify-it-py==2.2.0 lockfile==0.12.2 Mako==1.4.3
    markdown-it-py==4.3.0 MarkupSafe==3.0.4 mdurl==0.1.2 methodtools==0.4.7
    more-itertools==11.2.1 msgspec==0.22.0 natsort==8.4.0 opentelemetry-api==1.45.2
    opentelemetry-exporter-http-transport==0.66b2 opentelemetry-exporter-otlp==1.45.2
    opentelemetry-exporter-otlp-common==0.66b2 opentelemetry-exporter-otlp-proto-common==1.45.2
    opentelemetry-exporter-otlp-proto-grpc==1.45.2
    opentelemetry-exporter-otlp-proto-http==1.45.2 opentelemetry-proto==1.45.2
    opentelemetry-sdk==1.45.2 opentelemetry-semantic-conventions==0.66b2 outcome==1.3.0.post0
    packaging==26.4 pathlib_abc==0.5.2 pathspec==1.1.1 pendulum==3.3.0 pluggy==1.7.0
    protobuf==7.36.2 psutil==7.2.2 pycparser==3.12 pydantic==2.14.4
    pydantic-extra-types==2.11.1 pydantic-settings==2.16.3 pydantic_core==2.50.5
    Pygments==2.21.0 pygtrie==2.6.2 PyJWT==2.15.1 python-daemon==3.1.2 python-dateutil==4.0.0
    python-dotenv==1.2.4 python-multipart==0.0.34 python-slugify==9.2.0 PyYAML==6.0.4
    referencing==0.37.0 requests==2.34.2 rich==15.0.0 rich-argparse==1.8.0 rich-toolkit==0.20.6
    rpds-py==2026.9.1 setproctitle==1.3.8 shellingham==1.5.4 six==1.17.0 sniffio==1.3.1
    SQLAlchemy==2.1.9 sqlparse==0.6.1 starlette==1.10.0 structlog==26.1.0 svcs==26.2.0
    tabulate==0.10.0 tenacity==9.2.1 termcolor==3.3.0 text-unidecode==1.3 typer==0.29.2
    typing-inspection==0.4.5 typing_extensions==4.16.0 tzdata==2026.6 universal_pathlib==0.3.10
    urllib3==2.8.0 uuid6==2025.0.1 uvicorn==0.54.0 uvloop==0.23.0 watchfiles==1.3.0
    websockets==17.4 wirerope==1.0.0 wrapt==2.5.2 zipp==4.1.2
"

log() { printf 'airflow-venv: %s\n' "$*" >&2; }

use_constraints=0
if [[ "${AIRFLOW_CONSTRAINTS:-1}" == 1 && "$AIRFLOW_VERSION" == "$TESTED_VERSION" ]]; then
    use_constraints=1
fi

reqs=("apache-airflow==${AIRFLOW_VERSION}" "$@")
py="$VENV/bin/python"
stamp="$VENV/.sluice-bench-stamp"
want="$(printf '%s\n' "${reqs[@]}" "constraints=$use_constraints")"

if [[ "${AIRFLOW_VENV_FORCE:-0}" != 1 && -x "$py" && -f "$stamp" ]] \
   && [[ "$(cat "$stamp")" == "$want" ]] \
   && "$py" -c 'import airflow' >/dev/null 2>&1; then
    log "up to date: $VENV (apache-airflow ${AIRFLOW_VERSION})"
    printf '%s\n' "$py"
    exit 0
fi

if [[ ! -x "$py" ]]; then
    log "creating venv at $VENV with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv "$VENV"
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
log "upgrading pip"
"$py" -m pip install --quiet --upgrade pip >&2 || log "could not upgrade pip; going on with $("$py" -m pip --version)"

pip_args=(--progress-bar off)
if [[ $use_constraints == 1 ]]; then
    constraints="$VENV/sluice-bench-constraints.txt"
    tr -s ' ' '\n' <<<"$TESTED_SET" | sed '/^$/d' > "$constraints"
    pip_args+=(--constraint "$constraints")
    log "using the tested dependency set ($(wc -l < "$constraints") pins)"
fi

start=$SECONDS
log "installing: ${reqs[*]}"
log "(a first install downloads about 150 MB; allow a few minutes)"
"$py" -m pip install "${pip_args[@]}" "${reqs[@]}" >&2

log "checking the install"
"$py" - >&2 <<'EOF'
import airflow
from airflow.providers.standard.operators.bash import BashOperator  # noqa: F401
from airflow.providers.standard.operators.empty import EmptyOperator  # noqa: F401
from airflow.sdk import DAG  # noqa: F401
print("airflow-venv: apache-airflow", airflow.__version__, "imports fine")
EOF

printf '%s\n' "$want" > "$stamp"
log "ready in $((SECONDS - start)) s: $VENV"
printf '%s\n' "$py"
