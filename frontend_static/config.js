// Where the API lives. Empty: the same origin as this page (make run serves
// both). The deploy step rewrites the next line with the API Gateway URL.
export const API_BASE_URL = "";
