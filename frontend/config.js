window.CHATAPI_CONFIG = { apiBaseUrl: "http://127.0.0.1:8000/api" };
