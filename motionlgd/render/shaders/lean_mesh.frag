#version 330 core
// Lean replacement for pyrender's PBR mesh.frag (same uniform names; unused ones are ignored
// by pyrender): Lambert diffuse + a soft Blinn highlight, directional lights only, one bilinear
// shadow lookup instead of a 3x3 PCF of bilinear lookups. About 4x cheaper per pixel on
// Mesa llvmpipe, which matters because the ground fills most of the frame.

struct DirectionalLight {
    vec3 color;
    float intensity;
    vec3 direction;
#ifdef DIRECTIONAL_LIGHT_SHADOWS
    sampler2D shadow_map;
    mat4 light_matrix;
#endif
};

struct Material {
    vec3 emissive_factor;
#ifdef USE_METALLIC_MATERIAL
    vec4 base_color_factor;
    float metallic_factor;
    float roughness_factor;
#endif
#ifdef USE_GLOSSY_MATERIAL
    vec4 diffuse_factor;
    vec3 specular_factor;
    float glossiness_factor;
#endif
};

uniform Material material;
uniform DirectionalLight directional_lights[MAX_DIRECTIONAL_LIGHTS];
uniform int n_directional_lights;
uniform vec3 cam_pos;
uniform vec3 ambient_light;

in vec3 frag_position;
#ifdef NORMAL_LOC
in vec3 frag_normal;
#endif
#ifdef COLOR_0_LOC
in vec4 color_multiplier;
#endif

out vec4 frag_color;

const float PI = 3.141592653589793;

#ifdef DIRECTIONAL_LIGHT_SHADOWS
float shadow_lerp(sampler2D depths, vec2 uv, float compare) {
    vec2 size = vec2(textureSize(depths, 0));
    vec2 texel = vec2(1.0) / size;
    vec2 f = fract(uv * size + 0.5);
    vec2 c = floor(uv * size + 0.5) / size;
    float lb = compare > texture(depths, c).r ? 1.0 : 0.0;
    float lt = compare > texture(depths, c + texel * vec2(0.0, 1.0)).r ? 1.0 : 0.0;
    float rb = compare > texture(depths, c + texel * vec2(1.0, 0.0)).r ? 1.0 : 0.0;
    float rt = compare > texture(depths, c + texel * vec2(1.0, 1.0)).r ? 1.0 : 0.0;
    return mix(mix(lb, lt, f.y), mix(rb, rt, f.y), f.x);
}
#endif

void main()
{
#ifdef USE_METALLIC_MATERIAL
    vec4 base_color = material.base_color_factor;
#else
    vec4 base_color = vec4(0.8, 0.8, 0.8, 1.0);
#endif
#ifdef NORMAL_LOC
    vec3 n = normalize(frag_normal);
#else
    vec3 n = normalize(cross(dFdx(frag_position), dFdy(frag_position)));
#endif
    vec3 v = normalize(cam_pos - frag_position);
    if (dot(n, v) < 0.0) {
        n = -n;  // double-sided surfaces seen from behind
    }
    vec3 color = base_color.rgb * ambient_light;
    for (int i = 0; i < n_directional_lights; i++) {
        vec3 l = normalize(-directional_lights[i].direction);
        float nl = max(dot(n, l), 0.0);
        vec3 h = normalize(l + v);
        float spec = 0.08 * pow(max(dot(n, h), 0.0), 32.0) * step(0.0001, nl);
        vec3 res = directional_lights[i].intensity * directional_lights[i].color * (base_color.rgb * nl / PI + spec);
#ifdef DIRECTIONAL_LIGHT_SHADOWS
        vec4 proj = directional_lights[i].light_matrix * vec4(frag_position, 1.0);
        vec3 lc = proj.xyz / proj.w * 0.5 + 0.5;
        float bias = max(0.001 * (1.0 - nl), 0.0001) / proj.w;
        float shadow = lc.z > 1.0 ? 0.0 : shadow_lerp(directional_lights[i].shadow_map, lc.xy, lc.z - bias);
        res *= 1.0 - 0.85 * shadow;
#endif
        color += res;
    }
    color += material.emissive_factor;
#ifdef COLOR_0_LOC
    color *= color_multiplier.rgb;
    base_color.a *= color_multiplier.a;
#endif
    frag_color = clamp(vec4(pow(color, vec3(1.0 / 2.2)), base_color.a), 0.0, 1.0);
}
