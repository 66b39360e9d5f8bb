"""Rebuild the benchmark corpora in ``benchmarks/.corpus/`` from pinned PyPI wheels.

    python benchmarks/corpus.py            # download what is missing, verify, extract
    python benchmarks/corpus.py --check    # verify only; exit 1 if anything is missing or changed

Layout (all generated, all gitignored):

    .corpus/wheels/     the pinned wheels, checked against the sha256 in PACKAGES
    .corpus/big/        every ``.py`` file of every wheel (~10k files, ~3.4M lines)
    .corpus/subset/     Django + botocore + boto3 only (1,001 files, 207k lines)
    .corpus/lambda/     a SAM project written by ``write_lambda_project`` below

Only pure-Python (``py3-none-any``) wheels are used, so the bytes, and so the hashes, are the
same on every platform and interpreter. Each tree records a manifest (per-file sha256); a rerun
re-hashes the tree and rebuilds it only if it differs, so a file left edited by an interrupted
benchmark is put back.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from baselines import python_files

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"
WHEELS = CORPUS / "wheels"

# (distribution, version, sha256 of its py3-none-any wheel, part of the ~1k subset)
PACKAGES: list[tuple[str, str, str, bool]] = [
    ("Django", "5.2.19", "5965d974a5218a2b68a11dd1276434707f23886525c23f0598eccedaf4f4ca00", True),
    ("botocore", "1.44.8", "76342a76c338701db80dcb8afe1c9bd079283d6fffbb9d881442abb02a215043", True),
    ("boto3", "1.44.8", "099caf21553bbbfef118904aa02fadb8776a534704cf00bede0ed9f29a4da88e", True),
    ("sympy", "1.14.0", "e091cc3e99d2141a0ba2847328f5479b05d94a6635cb96148ccb3f34671bd8f5", False),
    ("moto", "5.2.5", "eef62cdcf3bfe73e0863743511ba042dfaba04ba3d5ecdcb896a196c693ad528", False),
    ("SQLAlchemy", "2.1.9", "449fed5c2caa3b278cc57499d09db001fb3f28dc7f18affc48142aee4dcc0cdf", False),
    ("networkx", "3.6.1", "d47fbf302e7d9cbbb9e2555a0d267983d2aa476bac30e90dfbe5669bd57f3762", False),
    ("ansible-core", "2.19.14", "d518d0e96fa75bedfe9b0a96d5b158aa712d092961824c115140c8677b88ff06", False),
    ("pip", "26.3", "f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13", False),
    ("Pygments", "2.21.0", "2363c69b61c4a97c838da3b130dcd6468f4848992b21a82f2a63ec34377137d9", False),
    ("awscli", "1.46.3", "94c561c1b1b2cf0978ec8d87d956c26c807555438593eec29ea90602b9518cfb", False),
    ("Sphinx", "9.0.4", "5bebc595a5e943ea248b99c13814c1c5e10b3ece718976824ffa7959ff95fffb", False),
    ("sqlglot", "30.30.0", "06c4c212a7868c7dcff0fd0fda348dd3c5cbad40137b3083a70ecdfe22921cf9", False),
    ("setuptools", "84.2.1", "ca140b45d5325a9478f880e351484f62fef15f336462e449ca0c03c873d589c2", False),
    ("pylint", "4.1.4", "b39fcc762ec4a7fe385d01b8e170fd996847297cdc0e3850bdda1435c74cfd95", False),
    ("docutils", "0.23", "25d013af9bf23bc1c7b2b093dff4208166c53a94786c9e447808335ef1185fea", False),
    ("astroid", "4.3.4", "2bcd0d02648a443a4b818c952c3550091989daefac3c12d3b83b2289482e0818", False),
    ("psycopg", "3.3.9", "d2d7d04a1ce6dab4f5b27316bea3b52585cafa2f2d631e5b09dd69823f5c26f6", False),
    ("pg8000", "1.31.6", "1ffe27af94fa5b37ce6885b98d591dc75562ff076859bf50ca7729af59345a80", False),
    ("peewee", "4.5.3", "4c5db9d2a3c4ae9a5725b229c29af51dbd063193f3a6c03b837974a90e44548c", False),
    ("alembic", "1.20.1", "9970712cfb81ea26c8658d378aaa5b8f6ff9146e5bb111d70497c164016cf598", False),
    ("djangorestframework", "3.18.3", "8544bb674846731b1e3c9b309236ee1dc412905a0aa725be2ec193ca950a7d12", False),
    ("litestar", "2.25.0", "ff16470b6aa3031ea3210bbb474b00b24c636ddfe8e0ee3d09c85aff3058a93f", False),
    ("strawberry-graphql", "0.341.2", "73e9c4cf5e2fddd522d2741491a6fbba70f940d945ab0a40152b2fadf26d9a89", False),
    ("celery", "5.7.0", "18310a9c919f9029e4735367484d93e6a25cdfd30afdc474622cc263d9b35f6e", False),
    ("kombu", "5.7.0", "dede73bff4c89175be382c4203d2f167cf7017c384396ec75c36a1b5678f1587", False),
    ("Scrapy", "2.19.0", "44c1ad4b008f1976e946c75b2adce0e448cbfe470c584b1b59469abf270e8013", False),
    ("pyasn1-modules", "0.4.2", "29253a9207ce32b64c3ac6600edc75368f98473906e8fd1043bd6b5b1de2c14a", False),
    ("ipython", "9.18.1", "997ce9140d374531a61069c70c0f9ef299d6dd3559ea0f94b8af589726e3c1d5", False),
    ("prompt_toolkit", "3.0.53", "01c0891d7f9237d5e339f7d3e42cdae80b7534abb1c7c0e3352efba6231492f2", False),
    ("rich", "15.0.0", "33bd4ef74232fb73fe9279a257718407f169c09b78a87ad3d296f548e27de0bb", False),
    ("jedi", "0.20.1", "0fb16d86c4a4c73c37ba518c77419975e30fcc620658a8d14fbb5720cdd34142", False),
    ("azure-core", "1.41.0", "522b4011e8180b1a3dcd2024396a4e7fe9ac37fb8597db47163d230b5efe892d", False),
    ("aiohttp", "3.14.5", "efc21a454892828368b11c2c780de0ff8bc991f73f6b99c6b66e56205470929b", False),
    ("pytest", "9.2.0", "07acdcf88ec174f907dc01af70bf52d49b014bbab03faeeade31c96b18c2e588", False),
]

TREES = ("big", "subset", "lambda")


# Folder names that pinless, ruff or bandit skip by default. Files under them are left out of the
# corpus so that every tool and both floors see the same files (this drops pip's
# ``_internal/operations/build/``, 6 files).
SKIPPED_FOLDERS = {"build", "dist", "venv", "node_modules", "__pycache__", "_build",
                   "site-packages", "__pypackages__", "buck-out", "cdk.out"}


# --- trees on disk ------------------------------------------------------------------------------

def tree_digest(root: Path) -> dict[str, str]:
    return {Path(p).relative_to(root).as_posix(): sha256_file(Path(p)) for p in python_files(root)}


def tree_stats(root: Path) -> tuple[int, int, int]:
    """(files, lines, bytes) of the .py files under root."""
    files = lines = size = 0
    for p in python_files(root):
        data = Path(p).read_bytes()
        files += 1
        lines += data.count(b"\n")
        size += len(data)
    return files, lines, size


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- wheels -----------------------------------------------------------------------------------

def wheel_by_hash() -> dict[str, Path]:
    if not WHEELS.is_dir():
        return {}
    return {sha256_file(p): p for p in sorted(WHEELS.glob("*.whl"))}


def download(missing: list[tuple[str, str, str, bool]]) -> None:
    """pip's hash-checking mode refuses a file whose sha256 is not the pinned one."""
    WHEELS.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as req:
        for name, version, sha, _ in missing:
            req.write(f"{name}=={version} --hash=sha256:{sha}\n")
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes",
             # pure wheels only, resolved as for one fixed interpreter: same bytes everywhere
             "--only-binary=:all:", "--platform", "any", "--implementation", "py",
             "--python-version", "3.11", "--abi", "none",
             "--dest", str(WHEELS), "-r", req.name],
            check=True,
        )
    finally:
        os.unlink(req.name)


def ensure_wheels(allow_download: bool = True) -> dict[str, Path]:
    """Map each pinned sha256 to its verified wheel file."""
    have = wheel_by_hash()
    missing = [p for p in PACKAGES if p[2] not in have]
    if missing and allow_download:
        print(f"downloading {len(missing)} wheel(s)...", file=sys.stderr)
        download(missing)
        have = wheel_by_hash()
        missing = [p for p in PACKAGES if p[2] not in have]
    if missing:
        names = ", ".join(f"{n}=={v}" for n, v, _, _ in missing)
        raise SystemExit(f"missing or mismatched wheels: {names}")
    return have


def extract_py(wheel: Path, dest: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            name = info.filename
            if not name.endswith(".py") or ".dist-info/" in name:
                continue
            parts = Path(name).parts
            if Path(name).is_absolute() or ".." in parts:
                continue  # never write outside dest, whatever the archive says
            if SKIPPED_FOLDERS.intersection(parts[:-1]) or any(p.startswith(".") for p in parts):
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))


# --- trees ------------------------------------------------------------------------------------

def manifest_path(tree: str) -> Path:
    return CORPUS / f"{tree}.manifest.json"


def tree_ok(tree: str) -> bool:
    root, mpath = CORPUS / tree, manifest_path(tree)
    if not (root.is_dir() and mpath.is_file()):
        return False
    manifest = json.loads(mpath.read_text())
    return manifest.get("source") == source_key(tree) and manifest.get("files") == tree_digest(root)


def source_key(tree: str) -> str:
    """What a tree is built from: the pinned table, or the generator's own code for lambda."""
    if tree == "lambda":
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    rows = [p for p in PACKAGES if tree == "big" or p[3]]
    return hashlib.sha256(json.dumps([rows, sorted(SKIPPED_FOLDERS)]).encode()).hexdigest()


def build_tree(tree: str, wheels: dict[str, Path] | None) -> None:
    root = CORPUS / tree
    tmp = CORPUS / f".{tree}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if tree == "lambda":
        write_lambda_project(tmp)
    else:
        for name, version, sha, in_subset in PACKAGES:
            if tree == "big" or in_subset:
                extract_py(wheels[sha], tmp / f"{name}-{version}")
    make_work_tree(tmp)
    shutil.rmtree(root, ignore_errors=True)
    tmp.rename(root)
    manifest = {"source": source_key(tree), "files": tree_digest(root)}
    manifest_path(tree).write_text(json.dumps(manifest, indent=0, sort_keys=True))


def make_work_tree(root: Path) -> None:
    """Give the tree a git repository of its own (nothing committed).

    The corpus sits inside this repository, whose .gitignore lists it; tools that honour
    .gitignore would otherwise skip every file. As its own work tree a corpus looks like a real
    project checkout, and the git-based discovery those tools do still runs.
    """
    if shutil.which("git"):
        subprocess.run(["git", "init", "--quiet", str(root)], check=True)


def ensure_corpus(check_only: bool = False) -> dict[str, Path]:
    """Make every tree match its manifest; return tree name -> root."""
    CORPUS.mkdir(parents=True, exist_ok=True)
    stale = [t for t in TREES if not tree_ok(t)]
    if stale and check_only:
        raise SystemExit(f"corpus out of date: {', '.join(stale)} (run benchmarks/corpus.py)")
    wheels = ensure_wheels(allow_download=not check_only)
    for tree in stale:
        print(f"building {tree}/ ...", file=sys.stderr)
        build_tree(tree, wheels)
    return {t: CORPUS / t for t in TREES}


# --- the Lambda-style project -----------------------------------------------------------------
# A SAM application of the shape pinless is written for: functions behind an RDS Proxy, a
# shared db module, handlers on psycopg2, psycopg 3, SQLAlchemy and asyncpg. Some handlers
# release their connections properly, some pin the proxy session with SET, some leak; the mix is
# fixed by the handler's index so the project is the same on every run.

DOMAINS = ["orders", "invoices", "customers", "products", "shipments", "payments"]
ACTIONS = ["create", "get", "list", "update", "delete"]
STACKS = ["psycopg2", "sqlalchemy", "asyncpg", "psycopg3", "shared"]
SET_STATEMENTS = [
    "SET search_path TO app, public",
    "SET statement_timeout = 5000",
    "SET TIME ZONE 'UTC'",
    "SET application_name = 'lambda'",
    "SET LOCAL lock_timeout = '2s'",
]


def handler_specs() -> list[dict]:
    specs = []
    for i, (domain, action) in enumerate((d, a) for d in DOMAINS for a in ACTIONS):
        specs.append({
            "index": i,
            "domain": domain,
            "action": action,
            "module": f"{domain}_{action}",
            "stack": STACKS[i % len(STACKS)],
            # every third handler pins the session; SET LOCAL only inside a transaction
            "set_sql": SET_STATEMENTS[(i // 3) % len(SET_STATEMENTS)] if i % 3 == 0 else None,
            "releases": i % 4 != 1,
        })
    return specs


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def write_lambda_project(root: Path) -> None:
    specs = handler_specs()
    files = {
        "template.yaml": sam_template(specs),
        "samconfig.toml": SAMCONFIG,
        "src/requirements.txt": REQUIREMENTS,
        "src/shared/__init__.py": "",
        "src/shared/db.py": SHARED_DB,
        "src/shared/responses.py": SHARED_RESPONSES,
        "src/shared/models.py": shared_models(),
        "src/shared/validation.py": SHARED_VALIDATION,
        "src/handlers/__init__.py": "",
        "tests/__init__.py": "",
        "tests/test_handlers.py": handler_tests(specs),
    }
    for spec in specs:
        files[f"src/handlers/{spec['module']}.py"] = handler_module(spec)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def sam_template(specs: list[dict]) -> str:
    out = [SAM_HEADER]
    for spec in specs:
        name = pascal(spec["module"]) + "Function"
        method = {"create": "post", "get": "get", "list": "get", "update": "put", "delete": "delete"}
        path = f"/{spec['domain']}" + ("" if spec["action"] in ("create", "list") else "/{id}")
        out.append(
            f"  {name}:\n"
            f"    Type: AWS::Serverless::Function\n"
            f"    Properties:\n"
            f"      Handler: handlers.{spec['module']}.handler\n"
            f"      Description: {spec['action']} {spec['domain']} ({spec['stack']})\n"
            f"      Policies:\n"
            f"        - Statement:\n"
            f"            - Effect: Allow\n"
            f"              Action: rds-db:connect\n"
            f"              Resource: !Sub arn:aws:rds-db:${{AWS::Region}}:${{AWS::AccountId}}:dbuser:${{DbProxy.DBProxyArn}}/app\n"
            f"      Events:\n"
            f"        Api:\n"
            f"          Type: Api\n"
            f"          Properties:\n"
            f"            Path: {path}\n"
            f"            Method: {method[spec['action']]}\n"
        )
    out.append(SAM_FOOTER)
    return "".join(out)


SAM_HEADER = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Order service - API handlers behind an RDS Proxy

Parameters:
  DbSecretArn:
    Type: String
  VpcSubnetIds:
    Type: List<AWS::EC2::Subnet::Id>
  VpcSecurityGroupId:
    Type: AWS::EC2::SecurityGroup::Id

Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
    MemorySize: 512
    Timeout: 15
    Architectures: [arm64]
    VpcConfig:
      SubnetIds: !Ref VpcSubnetIds
      SecurityGroupIds: [!Ref VpcSecurityGroupId]
    Environment:
      Variables:
        DB_HOST: !GetAtt DbProxy.Endpoint
        DB_NAME: orders
        DB_USER: app
        DATABASE_URL: !Sub postgresql://app@${DbProxy.Endpoint}:5432/orders
        POWERTOOLS_SERVICE_NAME: orders

Resources:
  DbProxy:
    Type: AWS::RDS::DBProxy
    Properties:
      DBProxyName: orders-proxy
      EngineFamily: POSTGRESQL
      RequireTLS: true
      IdleClientTimeout: 1800
      RoleArn: !GetAtt DbProxyRole.Arn
      Auth:
        - AuthScheme: SECRETS
          SecretArn: !Ref DbSecretArn
          IAMAuth: REQUIRED
      VpcSubnetIds: !Ref VpcSubnetIds
      VpcSecurityGroupIds: [!Ref VpcSecurityGroupId]

  DbProxyRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: rds.amazonaws.com}
            Action: sts:AssumeRole

"""

SAM_FOOTER = """
Outputs:
  ApiUrl:
    Value: !Sub https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/
"""

SAMCONFIG = """\
version = 0.1

[default.deploy.parameters]
stack_name = "orders"
resolve_s3 = true
capabilities = "CAPABILITY_IAM"
confirm_changeset = true
"""

REQUIREMENTS = """\
psycopg2-binary==2.9.10
psycopg[binary]==3.2.9
asyncpg==0.30.0
SQLAlchemy==2.0.41
boto3==1.38.0
"""

SHARED_DB = '''\
"""Connections for every handler: one per container, reused across invocations."""

import os

import boto3
import psycopg2
import psycopg2.extras
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

_rds = boto3.client("rds")
_connection = None


def _password():
    # IAM authentication: a short-lived token instead of a stored password
    return _rds.generate_db_auth_token(
        DBHostname=os.environ["DB_HOST"], Port=5432, DBUsername=os.environ["DB_USER"]
    )


def get_connection():
    """The container's psycopg2 connection, reopened if the proxy dropped it."""
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg2.connect(
            host=os.environ["DB_HOST"],
            dbname=os.environ["DB_NAME"],
            user=os.environ["DB_USER"],
            password=_password(),
            sslmode="require",
            connect_timeout=5,
        )
    return _connection


def dict_cursor():
    return get_connection().cursor(cursor_factory=psycopg2.extras.RealDictCursor)


def set_search_path(schema):
    with get_connection().cursor() as cur:
        cur.execute("SET search_path TO %s, public" % schema)


engine = create_engine(
    os.environ.get("DATABASE_URL", "postgresql+psycopg2://app@localhost/orders"),
    pool_size=5,
    max_overflow=10,
    pool_pre_ping=True,
)
Session = sessionmaker(bind=engine, expire_on_commit=False)


def fetch_all(sql, params=None):
    conn = get_connection()
    with conn.cursor() as cur:
        cur.execute(sql, params or ())
        columns = [c.name for c in cur.description]
        return [dict(zip(columns, row)) for row in cur.fetchall()]


def execute(sql, params=None):
    conn = get_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params or ())
            count = cur.rowcount
        conn.commit()
        return count
    except Exception:
        conn.rollback()
        raise
'''

SHARED_RESPONSES = '''\
"""API Gateway proxy responses."""

import decimal
import json


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, decimal.Decimal):
            return str(o)
        if hasattr(o, "isoformat"):
            return o.isoformat()
        return super().default(o)


def ok(body, status=200):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, cls=_Encoder),
    }


def created(body):
    return ok(body, 201)


def no_content():
    return {"statusCode": 204, "body": ""}


def error(message, status=400):
    return ok({"error": message}, status)


def not_found(kind, ident):
    return error(f"{kind} {ident} not found", 404)
'''

SHARED_VALIDATION = '''\
"""Request parsing shared by the handlers."""

import json


class BadRequest(Exception):
    pass


def body(event):
    raw = event.get("body") or "{}"
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    return data


def path_id(event):
    value = (event.get("pathParameters") or {}).get("id", "")
    if not value.isdigit():
        raise BadRequest("id must be a number")
    return int(value)


def page(event):
    query = event.get("queryStringParameters") or {}
    limit = min(int(query.get("limit", 50)), 200)
    offset = max(int(query.get("offset", 0)), 0)
    return limit, offset


def require(data, *fields):
    missing = [f for f in fields if f not in data]
    if missing:
        raise BadRequest("missing: " + ", ".join(missing))
    return [data[f] for f in fields]
'''


def shared_models() -> str:
    lines = [
        '"""SQLAlchemy models, one table per API resource."""',
        "",
        "from sqlalchemy import Column, DateTime, Integer, Numeric, String, func",
        "from sqlalchemy.orm import declarative_base",
        "",
        "Base = declarative_base()",
        "",
    ]
    for domain in DOMAINS:
        lines += [
            "",
            f"class {pascal(domain[:-1])}(Base):",
            f'    __tablename__ = "{domain}"',
            "",
            "    id = Column(Integer, primary_key=True)",
            "    name = Column(String(200), nullable=False)",
            '    status = Column(String(32), nullable=False, default="new")',
            "    amount = Column(Numeric(12, 2))",
            "    created_at = Column(DateTime(timezone=True), server_default=func.now())",
            "",
            "    def as_dict(self):",
            "        return {c.name: getattr(self, c.name) for c in self.__table__.columns}",
            "",
        ]
    return "\n".join(lines)


# What each action does: its SQL (psycopg placeholders), the parameters it reads from the
# request, and the shape of its result.
ACTIONS_SQL = {
    "create": ("INSERT INTO {t} (name, status, amount) VALUES (%s, %s, %s) RETURNING id",
               ["data = body(event)", "name, status, amount = require(data, 'name', 'status', 'amount')"],
               ["name", "status", "amount"], "created"),
    "get": ("SELECT id, name, status, amount, created_at FROM {t} WHERE id = %s",
            ["ident = path_id(event)"], ["ident"], "one"),
    "list": ("SELECT id, name, status, amount, created_at FROM {t} ORDER BY id LIMIT %s OFFSET %s",
             ["limit, offset = page(event)"], ["limit", "offset"], "many"),
    "update": ("UPDATE {t} SET status = %s WHERE id = %s",
               ["ident = path_id(event)", "(status,) = require(body(event), 'status')"],
               ["status", "ident"], "none"),
    "delete": ("DELETE FROM {t} WHERE id = %s", ["ident = path_id(event)"], ["ident"], "none"),
}

IMPORTS_SHARED = """\
from shared.responses import created, error, no_content, not_found, ok
from shared.validation import BadRequest, body, page, path_id, require
"""

COLUMNS = 'COLUMNS = ("id", "name", "status", "amount", "created_at")\n'


def indent(lines: list[str], depth: int) -> str:
    pad = "    " * depth
    return "\n".join(pad + line if line else "" for line in lines)


def parse_block(spec: dict) -> str:
    """The request checks every handler starts with: a bad request never reaches the database."""
    reads = ACTIONS_SQL[spec["action"]][1]
    return indent(["try:", *["    " + r for r in reads], "except BadRequest as exc:",
                   "    return error(str(exc))"], 1)


def shape_rows(spec: dict, fetch_one: str, fetch_all: str, row_dict: str) -> list[str]:
    """Lines turning a query result into a response, given how this driver fetches."""
    shape = ACTIONS_SQL[spec["action"]][3]
    if shape == "one":
        return [f"row = {fetch_one}", "if row is None:",
                f"    return not_found({spec['domain']!r}, ident)", f"return ok({row_dict})"]
    if shape == "many":
        return [f"return ok([{row_dict.replace('row', 'r')} for r in {fetch_all}])"]
    if shape == "created":
        return [f"return created({{'id': {fetch_one}[0]}})"]
    return ["return no_content()"]


def handler_module(spec: dict) -> str:
    render = {
        "psycopg2": psycopg2_handler,
        "psycopg3": psycopg3_handler,
        "sqlalchemy": sqlalchemy_handler,
        "asyncpg": asyncpg_handler,
        "shared": shared_handler,
    }[spec["stack"]]
    sql, _, params, _ = ACTIONS_SQL[spec["action"]]
    doc = f'"""{spec["action"].capitalize()} {spec["domain"]} ({spec["stack"]})."""\n\n'
    return doc + render(spec, sql.format(t=spec["domain"]), params)


def tuple_of(params: list[str]) -> str:
    return "(" + ", ".join(params) + ("," if len(params) == 1 else "") + ")"


def psycopg2_handler(spec: dict, sql: str, params: list[str]) -> str:
    work = ["cur = conn.cursor()"]
    if spec["set_sql"]:
        work.append(f'cur.execute("{spec["set_sql"]}")')
    work.append(f'cur.execute("{sql}", {tuple_of(params)})')
    work += shape_rows(spec, "cur.fetchone()", "cur.fetchall()", "dict(zip(COLUMNS, row))")
    # the commit has to run before the return lines above: put it first for writes
    if ACTIONS_SQL[spec["action"]][3] in ("created", "none"):
        work.insert(-1, "conn.commit()")
    tail = ["finally:", "    conn.close()"] if spec["releases"] else ["except Exception:",
                                                                     "    conn.rollback()",
                                                                     "    raise"]
    return f"""\
import os

import psycopg2

{IMPORTS_SHARED}
{COLUMNS}

def _connect():
    return psycopg2.connect(
        host=os.environ["DB_HOST"],
        dbname=os.environ["DB_NAME"],
        user=os.environ["DB_USER"],
        password=os.environ.get("DB_PASSWORD", ""),
        connect_timeout=5,
    )


def handler(event, context):
{parse_block(spec)}
    conn = _connect()
    try:
{indent(work, 2)}
{indent(tail, 1)}
"""


def psycopg3_handler(spec: dict, sql: str, params: list[str]) -> str:
    work = []
    if spec["set_sql"]:
        work.append(f'cur.execute("{spec["set_sql"]}")')
    work.append(f'cur.execute("{sql}", {tuple_of(params)})')
    if ACTIONS_SQL[spec["action"]][3] in ("created", "none"):
        work.append("conn.commit()")
    work += shape_rows(spec, "cur.fetchone()", "cur.fetchall()", "dict(zip(COLUMNS, row))")
    if spec["releases"]:
        opener = ["with psycopg.connect(os.environ['DATABASE_URL']) as conn, conn.cursor() as cur:"]
    else:
        # one connection per container, opened at import and never checked
        opener = ["conn = CONN", "with conn.cursor() as cur:"]
    return f"""\
import os

import psycopg

{IMPORTS_SHARED}
{COLUMNS}CONN = psycopg.connect(os.environ.get("DATABASE_URL", ""))


def handler(event, context):
{parse_block(spec)}
{indent(opener, 1)}
{indent(work, 2)}
"""


def sqlalchemy_handler(spec: dict, sql: str, params: list[str]) -> str:
    named = sql
    for name in params:
        named = named.replace("%s", f":{name}", 1)
    binds = "{" + ", ".join(f'"{n}": {n}' for n in params) + "}"
    work = []
    if spec["set_sql"]:
        work.append(f'session.execute(text("{spec["set_sql"]}"))')
    work.append(f'result = session.execute(text("{named}"), {binds})')
    if ACTIONS_SQL[spec["action"]][3] in ("created", "none"):
        work.append("session.commit()")
    work += shape_rows(spec, "result.fetchone()", "result.fetchall()", "dict(row._mapping)")
    tail = ["finally:", "    session.close()"] if spec["releases"] else ["except Exception:",
                                                                        "    session.rollback()",
                                                                        "    raise"]
    return f"""\
import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

{IMPORTS_SHARED}
engine = create_engine(os.environ.get("DATABASE_URL", "postgresql://localhost/orders"), pool_size=3)
Session = sessionmaker(bind=engine)


def handler(event, context):
{parse_block(spec)}
    session = Session()
    try:
{indent(work, 2)}
{indent(tail, 1)}
"""


def asyncpg_handler(spec: dict, sql: str, params: list[str]) -> str:
    numbered = sql
    for n in range(1, len(params) + 1):
        numbered = numbered.replace("%s", f"${n}", 1)
    args = ", ".join(params)
    work = []
    if spec["set_sql"]:
        work.append(f'await conn.execute("{spec["set_sql"]}")')
    shape = ACTIONS_SQL[spec["action"]][3]
    if shape == "none":
        work += [f'await conn.execute("{numbered}", {args})', "return no_content()"]
    else:
        work += shape_rows(spec, f'(await conn.fetchrow("{numbered}", {args}))',
                           f'await conn.fetch("{numbered}", {args})', "dict(row)")
    if spec["releases"]:
        body = ["async with pool.acquire() as conn:", *["    " + w for w in work]]
    else:
        # acquired and never released: the pool runs dry after max_size invocations
        body = ["conn = await pool.acquire()", *work]
    return f"""\
import asyncio
import os

import asyncpg

{IMPORTS_SHARED}
_pool = None


async def _get_pool():
    global _pool
    if _pool is None:
        _pool = await asyncpg.create_pool(os.environ.get("DATABASE_URL"), min_size=1, max_size=4)
    return _pool


async def _run(event):
{parse_block(spec)}
    pool = await _get_pool()
{indent(body, 1)}


def handler(event, context):
    return asyncio.run(_run(event))
"""


def shared_handler(spec: dict, sql: str, params: list[str]) -> str:
    work = ['set_search_path("app")'] if spec["set_sql"] else []
    shape = ACTIONS_SQL[spec["action"]][3]
    call = f'"{sql}", {tuple_of(params)}'
    if shape == "one":
        work += [f"rows = fetch_all({call})",
                 f"return ok(rows[0]) if rows else not_found({spec['domain']!r}, ident)"]
    elif shape == "many":
        work += [f"return ok(fetch_all({call}))"]
    elif shape == "created":
        work += [f"return created(fetch_all({call})[0])"]
    else:
        work += [f"execute({call})", "return no_content()"]
    return f"""\
from shared.db import execute, fetch_all, set_search_path
{IMPORTS_SHARED}

def handler(event, context):
{parse_block(spec)}
{indent(work, 1)}
"""


def handler_tests(specs: list[dict]) -> str:
    lines = [
        '"""Request validation runs before any database work, so these need no database."""',
        "",
        "import importlib",
        "",
        "import pytest",
        "",
        "BAD_REQUESTS = [",
    ]
    for spec in specs:
        if spec["stack"] == "psycopg3":
            continue  # these connect at import
        if spec["action"] in ("get", "delete", "update"):
            lines.append(f'    ("handlers.{spec["module"]}", {{"pathParameters": {{"id": "x"}}}}),')
        elif spec["action"] == "create":
            lines.append(f'    ("handlers.{spec["module"]}", {{"body": "[]"}}),')
    lines += [
        "]",
        "",
        "",
        '@pytest.mark.parametrize("module,event", BAD_REQUESTS)',
        "def test_bad_request_is_400(module, event):",
        "    handler = importlib.import_module(module).handler",
        '    assert handler(event, None)["statusCode"] == 400',
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="verify only, download nothing")
    args = ap.parse_args()
    roots = ensure_corpus(check_only=args.check)
    for tree, root in roots.items():
        files, lines, size = tree_stats(root)
        print(f"{tree:7} {files:6} files {lines:9,} lines {size / 1e6:7.1f} MB  {root}")


if __name__ == "__main__":
    main()
