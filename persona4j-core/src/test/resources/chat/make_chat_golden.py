"""Writes chat_golden.json: real Hugging Face chat templates rendered by Python's jinja2 exactly as
transformers renders them (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, a
raise_exception global), as the reference for ChatTemplateTest.

Run from this folder: python3 make_chat_golden.py   (needs only jinja2)
"""
import json
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATES = {
    # Qwen2-0.5B-Instruct tokenizer_config.json
    "qwen2": "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    # Meta-Llama-3-8B-Instruct
    "llama3": "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
    # Mistral-7B-Instruct-v0.1
    "mistral": "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
    # TinyLlama-1.1B-Chat-v1.0 (zephyr style; exercises trim_blocks/lstrip_blocks)
    "zephyr": "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
    # Llama-2-7b-chat-hf (slicing, .strip(), a system prompt folded into the first turn)
    "llama2": "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
}
TOKENS = {"bos_token": "<s>", "eos_token": "</s>"}
CONVERSATIONS = {
    "user": [{"role": "user", "content": "Which movie should I watch tonight?"}],
    "system_user": [
        {"role": "system", "content": "You are a film critic."},
        {"role": "user", "content": "  Recommend a comedy.  "},
    ],
    "multi_turn": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke about 'quotes' and \"double quotes\"\nover two lines."},
    ],
    "bad_order": [
        {"role": "user", "content": "one"},
        {"role": "user", "content": "two"},
    ],
}


def raise_exception(message):
    raise TemplateError(message)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
env.globals["raise_exception"] = raise_exception
cases = []
for tname, template in TEMPLATES.items():
    compiled = env.from_string(template)
    for cname, messages in CONVERSATIONS.items():
        for gen in (False, True):
            case = {"template": tname, "conversation": cname, "add_generation_prompt": gen}
            try:
                case["expected"] = compiled.render(messages=messages, add_generation_prompt=gen, **TOKENS)
            except TemplateError as e:
                case["error"] = str(e)
            cases.append(case)
with open("chat_golden.json", "w") as f:
    json.dump({"templates": TEMPLATES, "tokens": TOKENS, "conversations": CONVERSATIONS, "cases": cases}, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(len(cases), "cases")
