package org.attestedmigration.securechannel.handshake;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * JSON of one handshake message, strictly: an unknown or missing field, a duplicate key, a wrong
 * type, trailing bytes or an invalid value is an error. Frames are at most {@link #MAX_FRAME}.
 */
public final class MessageCodec {
    /** Largest frame: an event log of a TXT launch is a few KiB; 1 MiB leaves room and bounds memory. */
    public static final int MAX_FRAME = 1 << 20;

    private static final ObjectMapper MAPPER = mapper();

    private MessageCodec() {
    }

    private static ObjectMapper mapper() {
        JsonMapper mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                        DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES,
                        DeserializationFeature.FAIL_ON_TRAILING_TOKENS, DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS,
                        DeserializationFeature.FAIL_ON_INVALID_SUBTYPE, DeserializationFeature.FAIL_ON_MISSING_EXTERNAL_TYPE_ID_PROPERTY)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build());
        return mapper;
    }

    public static byte[] encode(HandshakeMessage message) {
        try {
            return MAPPER.writeValueAsBytes(message);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** @throws MalformedMessageException for anything but one valid handshake message */
    public static HandshakeMessage decode(byte[] json) throws MalformedMessageException {
        if (json.length > MAX_FRAME) {
            throw new MalformedMessageException("a frame of " + json.length + " bytes exceeds " + MAX_FRAME);
        }
        try {
            HandshakeMessage message = MAPPER.readValue(json, HandshakeMessage.class);
            if (message == null) {
                throw new MalformedMessageException("the frame is JSON null");
            }
            return message;
        } catch (IOException | IllegalArgumentException e) {
            // Jackson's messages quote input; keep only the first line, it says what was wrong.
            String m = String.valueOf(e.getMessage());
            throw new MalformedMessageException("not a handshake message: " + m.lines().findFirst().orElse(m), e);
        }
    }
}
