"""Spam detection function in the style of an FC custom-container sample.

A multinomial Naive Bayes classifier (Laplace smoothing, lower-case word
tokens) is trained from data/train.tsv when the platform calls /initialize,
checked against data/test.tsv, and then serves /invoke.
"""

import math
import os
import re
import sys
import threading
import time
from collections import Counter

from flask import Flask, jsonify, request

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.environ.get("DATA_DIR", os.path.join(HERE, "data"))
MODEL_NAME = os.environ.get("MODEL_NAME", "naive-bayes")

TASK = "spam_detection"
# Index in this list is the numeric label returned as "<task>_label".
LABELS = ["not_spam", "spam"]
MAX_BODY_BYTES = 1 << 20

TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def log(line):
    print(line, flush=True)


def tokenize(text):
    return TOKEN_RE.findall(text.lower())


class NaiveBayes:
    """Multinomial Naive Bayes over word counts with add-alpha smoothing."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha
        self.labels = []
        self.log_prior = {}
        self.log_likelihood = {}
        self.log_unseen = {}
        self.vocabulary = set()

    def fit(self, texts, labels):
        docs_per_label = Counter(labels)
        token_counts = {label: Counter() for label in docs_per_label}
        for text, label in zip(texts, labels):
            token_counts[label].update(tokenize(text))
        self.vocabulary = set()
        for counts in token_counts.values():
            self.vocabulary.update(counts)
        v = len(self.vocabulary)
        n_docs = len(labels)
        self.labels = sorted(docs_per_label)
        for label in self.labels:
            counts = token_counts[label]
            denominator = sum(counts.values()) + self.alpha * v
            self.log_prior[label] = math.log(docs_per_label[label] / n_docs)
            self.log_likelihood[label] = {
                token: math.log((counts[token] + self.alpha) / denominator) for token in self.vocabulary
            }
            self.log_unseen[label] = math.log(self.alpha / denominator)
        return self

    def predict_proba(self, text):
        # Words never seen in training carry no evidence either way; skip them.
        tokens = [t for t in tokenize(text) if t in self.vocabulary]
        scores = {}
        for label in self.labels:
            table = self.log_likelihood[label]
            scores[label] = self.log_prior[label] + sum(table[t] for t in tokens)
        top = max(scores.values())
        exp = {label: math.exp(s - top) for label, s in scores.items()}
        total = sum(exp.values())
        return {label: e / total for label, e in exp.items()}

    def predict(self, text):
        probs = self.predict_proba(text)
        return max(probs, key=probs.get)

    def top_tokens(self, label, other, n=8):
        diff = {t: self.log_likelihood[label][t] - self.log_likelihood[other][t] for t in self.vocabulary}
        return sorted(diff, key=lambda t: (-diff[t], t))[:n]


def read_tsv(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != ["label", "text"]:
            raise ValueError(f"{path}: expected header 'label<TAB>text', got {header}")
        for n, line in enumerate(f, start=2):
            line = line.rstrip("\n")
            if not line:
                continue
            label, sep, text = line.partition("\t")
            if not sep or label not in LABELS:
                raise ValueError(f"{path}:{n}: bad row {line!r}")
            texts.append(text)
            labels.append(label)
    return texts, labels


_model = None
_model_lock = threading.Lock()


def get_model():
    """Train once; safe to call from concurrent requests."""
    global _model
    if _model is not None:
        return _model
    with _model_lock:
        if _model is None:
            start = time.perf_counter()
            texts, labels = read_tsv(os.path.join(DATA_DIR, "train.tsv"))
            model = NaiveBayes(alpha=1.0).fit(texts, labels)
            took = (time.perf_counter() - start) * 1000
            log(f"trained {MODEL_NAME} on {len(texts)} texts ({dict(Counter(labels))}), "
                f"vocabulary {len(model.vocabulary)} words, {took:.1f} ms")
            log(f"most spam-indicative words: {' '.join(model.top_tokens('spam', 'not_spam'))}")

            test_path = os.path.join(DATA_DIR, "test.tsv")
            if os.path.exists(test_path):
                test_texts, test_labels = read_tsv(test_path)
                correct = sum(model.predict(t) == y for t, y in zip(test_texts, test_labels))
                log(f"held-out accuracy: {correct / len(test_texts):.3f} ({correct}/{len(test_texts)} on test.tsv)")
            _model = model
    return _model


def classify(model, text):
    probs = model.predict_proba(text)
    key = max(LABELS, key=lambda label: probs[label])
    result = {
        "text": text,
        f"{TASK}_label": LABELS.index(key),
        f"{TASK}_key": key,
    }
    for label in reversed(LABELS):
        result[f"{label}_probs"] = round(probs[label], 4)
    return result


def error(status, code, message):
    response = jsonify({"code": code, "message": message})
    response.status_code = status
    return response


app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
app.json.sort_keys = False  # keep "text" first, as in the FC sample output


def request_id():
    return request.headers.get("x-fc-request-id", "-")


@app.route("/initialize", methods=["POST"])
def initialize():
    rid = request_id()
    log(f"FC Initialize Start RequestId: {rid}")
    start = time.perf_counter()
    model = get_model()
    warm = classify(model, "Warm-up message, see you tomorrow")
    log(f"warm-up inference: {warm[TASK + '_key']}; initialize took {(time.perf_counter() - start) * 1000:.1f} ms")
    log(f"FC Initialize End RequestId: {rid}")
    return f"Function is initialized, request_id: {rid}\n"


@app.route("/invoke", methods=["POST"])
def invoke():
    rid = request_id()
    log(f"FC Invoke Start RequestId: {rid}")
    try:
        body = request.get_data(cache=False).decode("utf-8", errors="replace")
        texts = [line.strip() for line in body.splitlines() if line.strip()]
        if not texts:
            return error(400, "EmptyBody", "send one text, or several separated by newlines, as a text/plain body")
        model = get_model()
        return jsonify([classify(model, text) for text in texts])
    finally:
        log(f"FC Invoke End RequestId: {rid}")


@app.route("/pre-stop", methods=["GET"])
def pre_stop():
    log(f"FC PreStop RequestId: {request_id()}")
    return "OK\n"


@app.errorhandler(404)
def not_found(_):
    return error(404, "NotFound", f"no handler for {request.method} {request.path}")


@app.errorhandler(405)
def method_not_allowed(_):
    return error(405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}")


@app.errorhandler(413)
def too_large(_):
    return error(413, "BodyTooLarge", f"request body is larger than {MAX_BODY_BYTES} bytes")


if __name__ == "__main__":
    import logging

    # Keep the console for the function's own lines; the access log only at warning level.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = int(os.environ.get("FC_SERVER_PORT", "9000"))
    log(f"{MODEL_NAME} spam detection listening on 0.0.0.0:{port} (python {sys.version.split()[0]})")
    app.run(host="0.0.0.0", port=port, threaded=True)
