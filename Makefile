# The README's commands. Each sets up what it needs in .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# make lambda-local listens on 3000 (as `sam local start-api`) unless PORT= is given.
LAMBDA_PORT := $(if $(filter file,$(origin PORT)),3000,$(PORT))
STAMP := $(VENV)/.installed
# SAM CLI pins its own dependency versions, so it lives in a venv of its own
# (requirements-sam.txt has its version).
SAM_VENV := $(VENV)/sam
SAM := $(SAM_VENV)/bin/sam
# npm ci rewrites this file on every install: it stamps node_modules (axe-core).
NODE_STAMP := node_modules/.package-lock.json
# Template linters (cfn-lint + serverless rules, checkov, aws-sam-translator): their own venv
# too, as aws-sam-translator pins an older pydantic than the function's.
INFRA_VENV := $(VENV)/infra
INFRA_STAMP := $(INFRA_VENV)/.installed
# The SAM CLI would otherwise try to send usage telemetry.
export SAM_CLI_TELEMETRY := 0

.PHONY: docs screenshots experiments evaluate-numbers evaluate-placement evaluate-pens lambda-local lambda-memory help venv sam test lint typecheck unit run train train-reference evaluate evaluate-reference benchmark events clean infra-venv infra-lint test-js test-browser browser-deps load-soak reliability-report

help:
	@echo "make run        serve the page and the API at http://127.0.0.1:$(PORT) (PORT= to change)"
	@echo "make test       lint, type-check and run the whole test suite"
	@echo "make lambda-local  the function under the Lambda emulator behind SAM's local API Gateway,"
	@echo "                   and the page, at http://127.0.0.1:3000 (PORT= to change; no Docker)"
	@echo "make sam-local  sam build + sam local start-api with Docker, and the page, at"
	@echo "                http://127.0.0.1:3000 (PORT= to change; docs/sam-docker.md)"
	@echo "make benchmark  cold start, latency per canvas size and req/s, beside the seed's server"
	@echo "make ab-revision  the reader's speed against a revision's (AGAINST=HEAD), in one process"
	@echo "make load-soak  8 clients for 60 s, then to 10k requests, on make run and the Lambda stack"
	@echo "make reliability-report  docs/RELIABILITY.md: hostile inputs, fuzzing, faults, security"
	@echo "make test-browser  only the page's browser tests (Chromium, real local server)"
	@echo "make rehearse   the deployed shape in Chromium: the page from an S3 bucket (moto) over HTTPS,"
	@echo "                the API on another HTTPS origin with the template's CORS (docs/deploy.md)"
	@echo "make docs       the figures in README.md and docs/, from the reports (tools/docs_figures.py)"
	@echo "make screenshots  docs/screenshots/*.png, from the running page (Chromium)"
	@echo "make train      train the model (MNIST + real pen data) and write models/ (about 35-45 min)"
	@echo "make experiments  compare model choices on held-out writers (models/EXPERIMENTS.md)"
	@echo "make evaluate   re-run the evaluation of the shipped model (models/REPORT.md)"
	@echo "make evaluate-placement  the reference on its writers placed off centre (prints a table)"
	@echo "make evaluate-pens       the reference on its writers drawn with fine to thick pens, and small"
	@echo "make deploy     build, deploy and upload the page to AWS (docs/ci-cd.md); make destroy"
	@echo "make lock       rewrite the hashed dependency locks from the pins; make sbom: the SBOM"

# Every venv installs its lock (make lock), hash-checked: exactly the versions CI tested.
# --no-deps: the lock already holds every dependency. Without it, the pip that `venv` brings
# (23.2) reads a dependency's extras (pip-audit's CacheControl[filecache]) as a new, unpinned
# requirement, takes the index's newest release and refuses it; pip check then proves the
# lock complete.
$(STAMP): requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-dev.lock
	$(PY) -m pip check
	touch $@

venv: $(STAMP)

$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	@# --no-deps, as above (here boto3-stubs[...] is the extra pip would re-read).
	$(SAM_VENV)/bin/pip install --quiet --no-deps --require-hashes -r requirements-sam.lock
	$(SAM_VENV)/bin/pip check

sam: $(SAM)

$(INFRA_STAMP): requirements-infra.lock
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install --quiet --no-deps --require-hashes -r requirements-infra.lock
	$(INFRA_VENV)/bin/pip check
	touch $@

infra-venv: $(INFRA_STAMP)

# template.yaml: cfn-lint with the serverless rules, SAM's own validation, and checkov (its
# skips are declared and justified in the template; tests/infra checks each is still needed).
infra-lint: infra-venv sam
	$(INFRA_VENV)/bin/cfn-lint -a cfn_lint_serverless.rules -- template.yaml
	$(SAM) validate --lint --template template.yaml
	$(INFRA_VENV)/bin/checkov -f template.yaml --framework cloudformation --skip-download --compact --quiet

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint function/Dockerfile

typecheck: venv
	$(VENV)/bin/mypy

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

# What the browser tests need besides .venv: Debian's Chromium and axe-core.
browser-deps: $(NODE_STAMP)
	scripts/ensure-chromium.sh

# The page's pure modules (frontend_static/*.js) under Node's own test runner.
test-js:
	node --test tests/frontend/js/

test-browser: venv sam browser-deps
	$(VENV)/bin/pytest -m browser tests/frontend

# The deployed shape rehearsed (tools/rehearsal, docs/deploy.md "Rehearse the deployed shape"):
# moto's S3 over HTTPS, the page uploaded by deploy_page, CloudFront's and API Gateway's parts,
# Chromium as a visitor. make test runs these too.
.PHONY: rehearse
rehearse: venv sam browser-deps
	$(VENV)/bin/pytest -m rehearsal tests/rehearsal

# sam: the Lambda runtime tests run the function under the emulator shipped in aws-sam-cli.
test: lint typecheck sam infra-lint workflow-lint pipeline-lint test-js browser-deps
	$(VENV)/bin/pytest

# The page and the API on one origin, with the shipped model (tools/local/serve.py).
run: venv
	PORT=$(PORT) $(PY) -m tools.local.serve

# The deployed shape without Docker (tools/local/lambda_local.py): the function staged as the image,
# under the Runtime Interface Emulator, behind SAM CLI's local API Gateway, page on one origin.
lambda-local: venv sam
	$(PY) -m tools.local.lambda_local --port $(LAMBDA_PORT)

# --- The real SAM path with Docker (docs/sam-docker.md) ---------------------------------------
# sam-local: dockerd (started if it is not running and this is root), the Lambda base image
# (AWS's, or the labelled local stand-in of tools/aws/standin_base_image.sh), sam build, then
# sam local start-api on 127.0.0.1:3000 (PORT= to change) with the page on the same origin.
.PHONY: sam-local sam-base-image test-sam-docker bench-sam-docker
sam-local: venv sam
	$(PY) -m tools.aws.sam_docker --port $(LAMBDA_PORT)

sam-base-image:
	tools/aws/standin_base_image.sh

# Only the Docker path's tests (make test runs them too, or skips them saying why).
test-sam-docker: venv sam
	$(VENV)/bin/pytest -m sam_docker tests/sam_docker

# The function image's size and its cold start under Docker: bench/results/sam_docker.json.
bench-sam-docker: venv sam
	$(PY) bench/sam_docker.py --json bench/results/sam_docker.json

# Peak memory, cold start and latency of the function per MemorySize, CPU capped as Lambda
# shares it (README "Memory size"); a script that prints figures, not a test.
lambda-memory: venv sam
	$(PY) bench/lambda_memory.py

# Cold start, warm latency by stage, import times and req/s of the function (README).
benchmark: venv
	PYTHONPATH=function:. $(PY) bench/benchmark_function.py

# A speed change against the code it replaces, timed in one process in turns (AGAINST=rev).
AGAINST ?= HEAD
ab-revision: venv
	PYTHONPATH=function:. $(PY) bench/ab_revision.py --against $(AGAINST)

# Load and soak of make run and the Docker-free Lambda stack (loopback, bounded; a few minutes):
# a bench, not a test. Its figures go to bench/results/load_soak.json for the report below.
load-soak: venv sam
	PYTHONPATH=function:. $(PY) bench/load_soak.py --target both --json bench/results/load_soak.json

# docs/RELIABILITY.md: hostile inputs, fuzzing, faults and security checks as observed now,
# with the figures of the last make load-soak.
reliability-report: venv sam browser-deps
	PYTHONPATH=function:. $(PY) bench/reliability_report.py

# The figures blocks of README.md and docs/, and docs/performance.md, from models/*.json and
# bench/results/*.json (tests/docs and tests/bench check they are up to date).
docs: venv
	$(PY) -m tools.docs_figures
	$(PY) bench/performance_report.py

# The README's pictures of the page: the real server and Debian's Chromium.
screenshots: venv browser-deps
	$(PY) -m tools.screenshots

.PHONY: mutation performance-report
# Mutation testing of decode.py, preprocess.py and model.py against their unit tests
# (mutmut, in a staged copy under build/mutation; ~15 min on 2 cores): the score and the
# surviving mutants go to bench/results/mutation.json, then into docs/RELIABILITY.md.
mutation: venv
	PYTHONPATH=function:. $(PY) bench/mutation.py
	$(PY) bench/reliability_report.py --results-only

# docs/performance.md from bench/results/*.json and the model's JSON (measures nothing).
performance-report: venv
	$(PY) bench/performance_report.py

# Regenerate events/ (sam local generate-event + canvas PNGs drawn by Chromium).
events: venv sam browser-deps
	$(PY) -m tools.make_events

# Training imports serving's preprocessing from function/, as the tests do.
# The shipped model is a refit on every writer of the reference's recipe (models/reference/,
# six writers held out): the reference's calibration and held-out figures ship with it.
train: venv
	PYTHONPATH=function:. $(PY) -m training.train --refit-from models/reference

train-reference: venv
	PYTHONPATH=function:. $(PY) -m training.train --models-dir models/reference

evaluate: venv
	PYTHONPATH=function:. $(PY) -m training.evaluate

evaluate-reference: venv
	PYTHONPATH=function:. $(PY) -m training.evaluate --models-dir models/reference

# The choices in training.train.Config, measured at reduced scale on held-out data only.
experiments: venv
	PYTHONPATH=function:. $(PY) -m training.experiments

# Multi-digit numbers: segmentation + the shipped model (models/NUMBERS.md, 3-10 min).
evaluate-numbers: venv
	PYTHONPATH=function:. $(PY) -m training.evaluate_numbers

# The reference on its held-out writers' drawings placed off MNIST's exact centre (~1 min).
evaluate-placement: venv
	PYTHONPATH=function:. $(PY) -m training.evaluate_placement

# The reference on its held-out writers drawn with one pen width each, fine to thick, small
# with the page's pen, on 400 and 560 px canvases, and with a stray tap beside them (~4 min).
evaluate-pens: venv
	PYTHONPATH=function:. $(PY) -m training.evaluate_pens

# Feedback review (docs/feedback.md): screen SOURCE (s3://bucket/feedback/ or a local copy)
# into data/review/: contact sheets and the decisions file a person confirms before training.
.PHONY: review-feedback
review-feedback: venv
	@test -n "$(SOURCE)" || { echo "usage: make review-feedback SOURCE=s3://<bucket>/feedback/"; exit 2; }
	PYTHONPATH=function:. $(PY) -m training.review screen $(SOURCE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts node_modules

# --- Shipping (docs/ci-cd.md): locks, workflows, deploy, destroy, SBOM --------------------
.PHONY: lock workflow-lint pipeline-lint deploy destroy sbom hook-cases
UV_COMPILE := $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal \
	--custom-compile-command "make lock"

# Rewrites the four locks from the hand-edited pins (function/requirements.txt,
# requirements-*.txt), keeping every version the locks already have unless a pin moved;
# `make lock LOCK_FLAGS=--upgrade` takes the newest releases the pins allow. Needs the registry.
lock: venv
	$(UV_COMPILE) $(LOCK_FLAGS) --python-version 3.11 -o function/requirements.lock function/requirements.txt
	$(UV_COMPILE) $(LOCK_FLAGS) --python-version 3.11 -o requirements-dev.lock requirements-dev.txt
	$(UV_COMPILE) $(LOCK_FLAGS) --python-version 3.11 -o requirements-sam.lock requirements-sam.txt
	@# checkov's soupsieve needs Python 3.11.5 or later.
	$(UV_COMPILE) $(LOCK_FLAGS) --python-version 3.11.5 -o requirements-infra.lock requirements-infra.txt

# The GitHub workflows: GitHub's schema (shipped inside check-jsonschema) and zizmor's audits,
# both offline.
workflow-lint: venv
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(VENV)/bin/zizmor --offline --no-progress .github/

# The pipeline's one-time template (pipeline/github-oidc.yaml), linted as template.yaml is.
pipeline-lint: infra-venv sam
	$(INFRA_VENV)/bin/cfn-lint -a cfn_lint_serverless.rules -- pipeline/github-oidc.yaml
	$(SAM) validate --lint --template pipeline/github-oidc.yaml
	$(INFRA_VENV)/bin/checkov -f pipeline/github-oidc.yaml --framework cloudformation --skip-download --compact --quiet

# Build, deploy (guided the first time from a terminal, samconfig.toml after) and upload the
# page: tools/aws/deploy.py. DEPLOY_FLAGS=... passes more options (see --help).
deploy: venv sam
	$(PY) -m tools.aws.deploy deploy --sam $(SAM) $(DEPLOY_FLAGS)

# Empty the site and feedback buckets, then `sam delete` the stack (asks first; --yes in
# DEPLOY_FLAGS does not ask).
destroy: venv sam
	$(PY) -m tools.aws.deploy destroy --sam $(SAM) $(DEPLOY_FLAGS)

# CycloneDX SBOM of the function's runtime: its lock installed alone, hash-checked, wheels
# only (as the image does), then described by cyclonedx-py. Writes build/sbom.cdx.json.
SBOM_VENV := build/sbom-venv
sbom: venv
	rm -rf $(SBOM_VENV)
	$(PYTHON) -m venv --without-pip $(SBOM_VENV)
	$(PY) -m pip --python $(SBOM_VENV)/bin/python install --quiet --require-hashes \
		--only-binary=:all: --no-deps -r function/requirements.lock
	$(VENV)/bin/cyclonedx-py environment $(SBOM_VENV)/bin/python --spec-version 1.6 \
		--pyproject pyproject.toml --mc-type application \
		--output-reproducible --output-format JSON --output-file build/sbom.cdx.json
	@echo "build/sbom.cdx.json: the function runtime's components (CycloneDX 1.6)"

# The pre-traffic hook's golden cases (hooks/pre_traffic/cases.json), from events/.
hook-cases: venv
	$(PY) -m tools.aws.hook_cases
