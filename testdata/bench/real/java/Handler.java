package com.acme.orders;

import java.util.Map;

/** orders: a small Lambda handler (the RequestHandler shape, without the aws-lambda-java-core dependency). */
public class Handler {
    public Map<String, Object> handleRequest(Map<String, Object> event, Object context) {
        Object id = event == null ? null : event.get("id");
        if (id == null) {
            return Map.of("statusCode", 400, "body", "{\"error\":\"missing id\"}");
        }
        return Map.of("statusCode", 200, "body", "{\"id\":\"" + id + "\"}");
    }
}
