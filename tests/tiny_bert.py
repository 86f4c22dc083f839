"""A tiny real BERT sentence-transformers model (2 layers, width 32, random weights, the bundled model's
WordPiece tokenizer): it takes the same fast path and ONNX export as all-MiniLM-L6-v2, in milliseconds."""
from __future__ import annotations

import shutil
from pathlib import Path

TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def build_tiny_bert(target: Path) -> Path:
    """Write the model folder at `target` and return it."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel

    from index.embedder import default_model_path

    bundled = default_model_path()
    weights = target / "bert"
    weights.mkdir(parents=True)
    torch.manual_seed(3)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    BertModel(config).save_pretrained(str(weights))
    for name in TOKENIZER_FILES:
        shutil.copy(bundled / name, weights / name)
    transformer = Transformer(str(weights), max_seq_length=64)
    model = SentenceTransformer(modules=[transformer, Pooling(32, pooling_mode="mean"), Normalize()], device="cpu")
    folder = target / "model"
    model.save(str(folder))
    return folder
