# Quick start: `make run` and `make test`. See README.md.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
BIN := $(BUILD_DIR)/bin/xinqiao
DB ?= data/xinqiao.db
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps configure build web run test test-unit test-api test-contract test-e2e clean bench

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@[ -f $(BUILD_DIR)/build.ninja ] || cmake --preset $(PRESET)

build: configure
	@cmake --build --preset $(PRESET)

web: deps
	@bash scripts/build-web.sh

run: build web
	@mkdir -p data
	@[ -f $(DB) ] || $(BIN) demo --db sqlite:$(DB) --scale small --seed 1 --with-screening --with-network
	@$(BIN) demo accounts --db sqlite:$(DB)
	@echo "Two-factor sign-in (双重验证) is OFF in the demo city; city_admin turns it on above the list in 账号管理 (PUT /api/v1/settings/two-factor)."
	@$(BIN) serve --db sqlite:$(DB) --listen $(LISTEN) --web web/dist

test: build web
	@bash scripts/test-all.sh

bench: build
	@bash bench/run.sh

clean:
	rm -rf build web/dist
